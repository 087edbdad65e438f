extension JSONValue {
    /// The number, when this is one.
    public var numberValue: Double? {
        if case .number(let number) = self { return number }
        return nil
    }

    /// The elements, when this is an array; none otherwise.
    public var arrayItems: [JSONValue] {
        if case .array(let items) = self { return items }
        return []
    }
}
