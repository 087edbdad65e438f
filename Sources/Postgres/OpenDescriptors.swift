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
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name) ?? 19
        var numbers: [Int32] = []
        while let entry = readdir(directory) {
            // The name is read in place, up to its terminating zero. Loading `d_name` as a
            // value would copy all 256 bytes of the declared array, past the end of a short
            // record; at the end of the stream's buffer that read can cross into an unmapped
            // page (CI's test process died of SIGSEGV in exactly that copy).
            let name = String(cString: UnsafeRawPointer(entry).advanced(by: nameOffset).assumingMemoryBound(to: CChar.self))
            if let number = Int32(name), number != own { numbers.append(number) }
        }
        return numbers
    }

    /// How many descriptors are open.
    public static var count: Int { list().count }
}
