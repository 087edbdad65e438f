import Foundation
import Testing

@testable import NeonHub

extension OutboundTests {
    /// `Retry-After` as delta-seconds and as each HTTP-date form.
    @Suite struct RetryAfterTests {
        let now = Date(timeIntervalSince1970: 1_700_000_000)  // Tue, 14 Nov 2023 22:13:20 GMT

        @Test func secondsAreReadAsADelay() {
            #expect(RetryAfter.parse("1") == .seconds(1))
            #expect(RetryAfter.parse(" 2.5 ") == .milliseconds(2500))
            #expect(RetryAfter.parse("0") == .zero)
            #expect(RetryAfter.parse("999999999") == .seconds(86_400))
        }

        @Test func unreadableValuesAreIgnored() {
            #expect(RetryAfter.parse("soon") == nil)
            #expect(RetryAfter.parse(nil) == nil)
            #expect(RetryAfter.parse("") == nil)
            #expect(RetryAfter.parse("-3") == nil)
            #expect(RetryAfter.parse("nan") == nil)
        }

        @Test func httpDatesAreReadRelativeToNow() {
            #expect(RetryAfter.parse("Tue, 14 Nov 2023 22:13:30 GMT", now: now) == .seconds(10))
            #expect(RetryAfter.parse("Tuesday, 14-Nov-23 22:14:20 GMT", now: now) == .seconds(60))
            #expect(RetryAfter.parse("Tue Nov 14 22:13:25 2023", now: now) == .seconds(5))
            #expect(RetryAfter.parse("Tue, 14 Nov 2023 22:00:00 GMT", now: now) == .zero)
        }
    }
}
