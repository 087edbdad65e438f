// Trello's members, boards and cards endpoints, as TrelloFake.swift cites them
// (https://developer.atlassian.com/cloud/trello/rest/api-group-members/,
// https://developer.atlassian.com/cloud/trello/rest/api-group-boards/,
// https://developer.atlassian.com/cloud/trello/rest/api-group-cards/).

import Foundation
import Synchronization

extension TrelloFake {
    static let notFound = "The requested resource was not found."

    static func isID(_ text: String) -> Bool { text.count == 24 && text.allSatisfy(\.isHexDigit) }

    func route(_ request: Request, _ parameters: [String: String]) -> Reply {
        let path = request.path.split(separator: "/").map(String.init)
        guard path.first == "1" else { return Self.text(404, "Cannot \(request.method) \(request.path)") }
        switch (request.method, Array(path.dropFirst())) {
        case ("GET", ["members", "me", "boards"]): return boards(parameters)
        case ("GET", let p) where p.count == 3 && p[0] == "boards" && p[2] == "lists": return lists(board: p[1], parameters)
        case ("GET", let p) where p.count == 4 && p[0] == "boards" && p[2] == "cards": return cards(board: p[1], filter: p[3])
        case ("POST", ["cards"]): return createCard(parameters)
        case ("PUT", let p) where p.count == 2 && p[0] == "cards": return updateCard(p[1], parameters)
        default: return Self.text(404, "Cannot \(request.method) \(request.path)")
        }
    }

    /// Only the `fields` asked for (comma-separated, or `all`), with the id always.
    static func select(_ object: [String: Any], _ fields: String?) -> [String: Any] {
        guard let fields, fields != "all" else { return object }
        let wanted = Set(fields.split(separator: ",").map(String.init) + ["id"])
        return object.filter { wanted.contains($0.key) }
    }

    func boards(_ parameters: [String: String]) -> Reply {
        let filter = parameters["filter"] ?? "all"
        guard ["all", "open", "closed", "members", "organization", "public", "starred"].contains(filter) else {
            return Self.text(400, "invalid value for filter")
        }
        let chosen = Self.boards.filter { filter == "all" || (filter == "closed" ? $0.closed : !$0.closed) }
        let json = chosen.map { board in
            Self.select(
                [
                    "id": board.id, "name": board.name, "desc": "", "closed": board.closed, "idOrganization": "5abbe4b7ddc1b351ef961400",
                    "url": "https://trello.com/b/\(board.id.suffix(8))/\(board.name.lowercased().replacingOccurrences(of: " ", with: "-"))",
                    "dateLastActivity": "2026-12-01T09:30:00.000Z",
                ], parameters["fields"])
        }
        return .json(200, object: json)
    }

    func lists(board: String, _ parameters: [String: String]) -> Reply {
        guard Self.isID(board) else { return Self.text(400, "invalid id") }
        guard Self.boards.contains(where: { $0.id == board }) else { return Self.text(404, Self.notFound) }
        let filter = parameters["filter"] ?? "all"
        guard ["all", "closed", "none", "open"].contains(filter) else { return Self.text(400, "invalid value for filter") }
        let own = board == Self.boards[0].id ? Self.lists : []
        let chosen = own.filter { filter == "all" || (filter == "none" ? false : (filter == "closed") == $0.closed) }
        let json = chosen.enumerated().map { index, list in
            Self.select(
                ["id": list.id, "name": list.name, "closed": list.closed, "pos": 16384 * (index + 1), "idBoard": board], parameters["fields"])
        }
        return .json(200, object: json)
    }

    func cards(board: String, filter: String) -> Reply {
        guard Self.isID(board) else { return Self.text(400, "invalid id") }
        guard Self.boards.contains(where: { $0.id == board }) else { return Self.text(404, Self.notFound) }
        guard ["all", "closed", "none", "open", "visible"].contains(filter) else { return Self.text(400, "invalid value for filter") }
        let archivedLists = Set(Self.lists.filter(\.closed).map(\.id))
        let onBoard = state.withLock { $0.cards }.filter { board == Self.boards[0].id && Self.lists.map(\.id).contains($0.idList) }
        let chosen = onBoard.filter { card in
            switch filter {
            case "all": return true
            case "closed": return card.closed
            case "open": return !card.closed
            case "visible": return !card.closed && !archivedLists.contains(card.idList)
            default: return false
            }
        }
        return .json(200, object: chosen.map(Self.cardJSON))
    }

    func createCard(_ parameters: [String: String]) -> Reply {
        guard let idList = parameters["idList"], Self.lists.contains(where: { $0.id == idList }) else {
            return Self.text(400, "invalid value for idList")
        }
        let desc = parameters["desc"] ?? ""
        guard desc.count <= 16_384 else { return Self.text(400, "invalid value for desc") }
        if let due = parameters["due"], !Self.isDate(due) {
            return Self.text(400, "invalid value for due")
        }
        let labels = parameters["idLabels"].map { $0.split(separator: ",").map(String.init) } ?? []
        guard labels.allSatisfy(Self.isID) else { return Self.text(400, "invalid value for idLabels") }
        let created: Card? = state.withLock { state in
            let inList = state.cards.filter { $0.idList == idList }.map(\.pos)
            let pos: Double
            switch parameters["pos"] ?? "bottom" {
            case "top": pos = (inList.min() ?? 32768) / 2
            case "bottom": pos = (inList.max() ?? 0) + 16384
            case let number:
                guard let value = Double(number), value > 0 else { return nil }
                pos = value
            }
            state.sequence += 1
            let card = Card(
                id: "5abbe4b7ddc1b351ef96" + String(format: "%04x", state.sequence), name: parameters["name"] ?? "", desc: desc,
                idList: idList, due: parameters["due"], dueComplete: false, closed: false, idLabels: labels, pos: pos)
            state.cards.append(card)
            return card
        }
        guard let created else { return Self.text(400, "invalid value for pos") }
        return .json(200, object: Self.cardJSON(created))
    }

    func updateCard(_ id: String, _ parameters: [String: String]) -> Reply {
        guard Self.isID(id) else { return Self.text(400, "invalid id") }
        for flag in ["closed", "dueComplete"] {
            if let value = parameters[flag], value != "true", value != "false" { return Self.text(400, "invalid value for \(flag)") }
        }
        if let list = parameters["idList"], !Self.lists.contains(where: { $0.id == list }) { return Self.text(400, "invalid value for idList") }
        let updated: Card? = state.withLock { state in
            guard let index = state.cards.firstIndex(where: { $0.id == id }) else { return nil }
            if let name = parameters["name"] { state.cards[index].name = name }
            if let desc = parameters["desc"] { state.cards[index].desc = desc }
            if let list = parameters["idList"] { state.cards[index].idList = list }
            if let due = parameters["due"] { state.cards[index].due = due == "null" ? nil : due }
            if let done = parameters["dueComplete"] { state.cards[index].dueComplete = done == "true" }
            if let closed = parameters["closed"] { state.cards[index].closed = closed == "true" }
            return state.cards[index]
        }
        guard let updated else { return Self.text(404, Self.notFound) }
        return .json(200, object: Self.cardJSON(updated))
    }

    /// An ISO 8601 date-time, with or without fractional seconds.
    static func isDate(_ text: String) -> Bool {
        let formatter = ISO8601DateFormatter()
        if formatter.date(from: text) != nil { return true }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text) != nil
    }

    static func cardJSON(_ card: Card) -> [String: Any] {
        let short = String(card.id.suffix(8))
        return [
            "id": card.id, "name": card.name, "desc": card.desc, "idList": card.idList, "idBoard": boards[0].id, "closed": card.closed,
            "due": card.due ?? NSNull(), "dueComplete": card.dueComplete, "pos": card.pos, "idLabels": card.idLabels, "labels": [],
            "shortUrl": "https://trello.com/c/\(short)",
            "url": "https://trello.com/c/\(short)/\(card.name.lowercased().replacingOccurrences(of: " ", with: "-"))",
            "dateLastActivity": "2026-12-02T10:00:00.000Z",
        ]
    }
}
