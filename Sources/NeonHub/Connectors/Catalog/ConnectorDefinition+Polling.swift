import Foundation

extension ConnectorDefinition {
    /// The polling triggers the server runs (`TriggerPoller`): those with an action and no
    /// `pollBlocker`.
    var runnablePollingTriggers: [Trigger] {
        triggers.filter { $0.type == "polling" && $0.action != nil && pollBlocker($0) == nil }
    }

    /// Whether the trigger's action acts as one account of the connection (a Trello board, a
    /// Xero organisation, a DocuSign account in the base URL): the poller then reads once per
    /// account the connection lists.
    func pollsEachAccount(_ trigger: Trigger) -> Bool {
        guard let id = trigger.action, let request = action(id)?.request else { return false }
        return request.mentions("{{account.") || (request.baseUrl ?? baseUrl).contains("{{account.")
    }

    /// Why the server cannot run a polling trigger yet, or nil: its action is missing, or needs
    /// input the trigger does not give (a channel, a location, a date range) — which would have
    /// to come from each subscriber, not built — or acts as one account and reads `since` a
    /// watermark, which is kept per connection, not per account.
    func pollBlocker(_ trigger: Trigger) -> String? {
        guard trigger.type == "polling" else { return "not a polling trigger" }
        guard let id = trigger.action, let action = action(id) else { return "it names no action of \(self.id)" }
        var given = Set<String>()
        if case .object(let input)? = trigger.input { given = Set(input.keys) }
        if let since = trigger.poll?.since { given.insert(since) }
        var required: [String] = []
        if case .array(let names)? = action.inputSchema["required"] {
            required = names.compactMap { if case .string(let name) = $0, !given.contains(name) { name } else { nil } }
        }
        if !required.isEmpty { return "its action \(id) needs input per subscriber (\(required.joined(separator: ", ")))" }
        if pollsEachAccount(trigger) {
            guard accounts != nil else { return "its action \(id) acts as one account of the connection, and \(self.id) lists none" }
            if trigger.poll?.since != nil {
                return "its action \(id) acts as one account of the connection and reads since a watermark kept per connection"
            }
        }
        return nil
    }
}

extension ConnectorDefinition.RequestTemplate {
    /// Whether `text` appears in any template of the request: its path, query, headers or body
    /// (`{{account.` for an action that acts as one account, `{{input.limit}}` for a page size
    /// sent to the provider).
    func mentions(_ text: String) -> Bool {
        path.contains(text) || (query ?? [:]).values.contains { $0.contains(text) } || (headers ?? [:]).values.contains { $0.contains(text) }
            || (body?.template.jsonText.contains(text) ?? false)
    }
}
