#if canImport(Glibc)
    import Glibc
#endif

/// This process's open file descriptors, read from `/proc/self/fd` with `opendir`/`readdir`
/// directly. Foundation's directory listing is not used: the test process lists this folder
/// while hundreds of sockets open and close around it, and the listing must not allocate
/// through Foundation's machinery at such moments.
public enum OpenDescriptors {
    /// The descriptor numbers (the one used to read the folder excluded); empty when the
    /// folder cannot be read.
    public static func list() -> [Int32] {
        guard let directory = opendir("/proc/self/fd") else { return [] }
        defer { closedir(directory) }
        let own = dirfd(directory)
        var numbers: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let number = Int32(name), number != own { numbers.append(number) }
        }
        return numbers
    }

    /// How many descriptors are open.
    public static var count: Int { list().count }
}
