import Foundation
import Postgres

/// The standard `process_*` metrics, read from `/proc/self` at scrape time.
enum ProcessMetrics {
    private static let clockTicks = Double(sysconf(Int32(_SC_CLK_TCK)))
    private static let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))

    static func render() -> String {
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ value: Double) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(format(value))\n"
        }
        if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        {
            // Fields after "pid (comm) ": state is field 3; utime 14, stime 15, starttime 22, vsize 23, rss 24.
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            if fields.count > 21, let utime = Double(fields[11]), let stime = Double(fields[12]),
                let start = Double(fields[19]), let vsize = Double(fields[20]), let rss = Double(fields[21])
            {
                metric("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", (utime + stime) / clockTicks)
                metric("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", rss * pageSize)
                metric("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", vsize)
                if let boot = bootTime() {
                    metric("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", boot + start / clockTicks)
                }
            }
        }
        let fds = OpenDescriptors.count
        if fds > 0 { metric("process_open_fds", "gauge", "Number of open file descriptors.", Double(fds)) }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            metric("process_max_fds", "gauge", "Maximum number of open file descriptors.", Double(limit.rlim_cur))
        }
        return out
    }

    private static func bootTime() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        for line in stat.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    private static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }
}
