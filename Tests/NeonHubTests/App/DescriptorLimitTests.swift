import Testing

@testable import NeonHub

#if canImport(Glibc)
    import Glibc
#endif

/// The open-file limit is raised at start as far as the hard limit allows: with a typical soft
/// limit of 1,024 the default MAX_CONNECTIONS of 10,000 ran out of descriptors at about a
/// thousand idle clients (found by a review).
@Suite struct DescriptorLimitTests {
    @Test func theSoftLimitIsRaisedToTheHardOne() {
        let raised = DescriptorLimit.raise()
        var limit = rlimit()
        #expect(getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0)
        #expect(limit.rlim_cur == limit.rlim_max)
        #expect(raised == (limit.rlim_cur >= rlim_t(Int.max) ? Int.max : Int(limit.rlim_cur)))
        #expect(DescriptorLimit.reserve(poolSize: 10, workers: 4) == 154)
    }
}
