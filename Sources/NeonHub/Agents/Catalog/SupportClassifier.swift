/// Keyword/phrase rules with weights that classify a support message by intent, urgency and
/// sentiment. Phrases match whole words, case-insensitively, with curly apostrophes
/// straightened.
struct SupportClassifier: Sendable {
    /// The classification of one message.
    struct Result: Sendable, Equatable {
        var intent: String
        var urgency: String
        var sentiment: String
        /// `intent:phrase`, `urgency:phrase` and `sentiment:phrase` entries, in rule order.
        var matchedSignals: [String]
    }

    /// Intents in tie-break order, with weighted phrases.
    static let intentRules: [(intent: String, phrases: [(String, Double)])] = [
        (
            "account_access",
            [
                ("log in", 3), ("login", 3), ("sign in", 3), ("log into", 3), ("logged out", 2), ("locked out", 3),
                ("password", 3), ("reset", 1), ("2fa", 3), ("two-factor", 3), ("verification code", 3),
                ("can't access", 3), ("cannot access", 3), ("access my account", 3),
            ]
        ),
        (
            "cancellation",
            [
                ("cancel", 3), ("cancellation", 3), ("close my account", 4), ("delete my account", 4),
                ("terminate", 2), ("stop my subscription", 4), ("end my subscription", 4), ("switching to", 2),
                ("unsubscribe", 2),
            ]
        ),
        (
            "billing",
            [
                ("charged twice", 4), ("double charged", 4), ("charged", 2), ("charge", 2), ("invoice", 3), ("refund", 3),
                ("payment", 2), ("billing", 3), ("billed", 3), ("credit card", 2), ("receipt", 2), ("overcharged", 4),
                ("subscription", 1), ("pricing", 1), ("price", 1), ("plan", 1),
            ]
        ),
        (
            "bug_report",
            [
                ("bug", 3), ("error", 2), ("crash", 3), ("crashes", 3), ("crashed", 3), ("broken", 2),
                ("not working", 3), ("doesn't work", 3), ("does not work", 3), ("isn't working", 3), ("down", 2),
                ("outage", 3), ("500", 2), ("exception", 2), ("fails", 2), ("failed", 2), ("glitch", 2),
                ("blank page", 3), ("won't load", 3), ("not loading", 3),
            ]
        ),
        (
            "feature_request",
            [
                ("feature request", 4), ("would be great", 3), ("would love", 3), ("wish", 2), ("could you add", 4),
                ("please add", 4), ("it would be nice", 3), ("support for", 2), ("roadmap", 2),
                ("integration with", 2), ("any plans", 3), ("suggestion", 2),
            ]
        ),
        (
            "praise",
            [
                ("love", 1.5), ("great", 1), ("amazing", 1.5), ("awesome", 1.5), ("fantastic", 1.5), ("excellent", 1.5),
                ("thank you", 1), ("thanks", 0.5), ("well done", 1.5), ("kudos", 2), ("impressed", 1.5),
            ]
        ),
    ]

    /// Urgency signals with weights: ≥ 5 is urgent, ≥ 2 high.
    static let urgencyRules: [(String, Int)] = [
        ("outage", 5), ("is down", 4), ("are down", 4), ("went down", 4), ("site down", 4), ("all users", 3),
        ("all our users", 3), ("all of our users", 3), ("everyone", 2), ("production", 2), ("data loss", 5),
        ("security", 3), ("hacked", 5), ("breach", 5), ("legal", 4), ("lawyer", 4), ("lawsuit", 5), ("attorney", 4),
        ("charged twice", 3), ("double charged", 3), ("can't log in", 3), ("cannot log in", 3), ("can't login", 3),
        ("locked out", 3), ("refund", 2), ("asap", 2), ("immediately", 2), ("urgent", 2), ("urgently", 2),
        ("right now", 1),
    ]

    /// Sentiment words: positive minus negative decides.
    static let positiveWords = [
        "love", "great", "amazing", "awesome", "fantastic", "excellent", "thank you", "thanks",
        "happy", "helpful", "well done", "kudos", "impressed", "appreciate",
    ]
    static let negativeWords = [
        "angry", "frustrated", "frustrating", "terrible", "awful", "unacceptable", "disappointed",
        "worst", "ridiculous", "annoyed", "hate", "useless", "broken", "not working", "down",
        "charged twice", "double charged", "can't", "cannot", "problem", "issue", "still",
        "outage", "error", "cancel", "refund", "wrong",
    ]

    /// Classifies `message`.
    func classify(_ message: String) -> Result {
        let words = WordTokenizer.normalizedWords(message)
        func has(_ phrase: String) -> Bool {
            KeywordMatcher.occurrences(of: WordTokenizer.normalizedWords(phrase), inWords: words) > 0
        }
        var signals: [String] = []
        var best: (intent: String, score: Double) = ("general", 0)
        for rule in Self.intentRules {
            var score = 0.0
            for (phrase, weight) in rule.phrases where has(phrase) {
                score += weight
                signals.append("\(rule.intent):\(phrase)")
            }
            if score > best.score { best = (rule.intent, score) }
        }
        let intent = best.score >= 1.5 ? best.intent : "general"

        var urgencyScore = 0
        for (phrase, weight) in Self.urgencyRules where has(phrase) {
            urgencyScore += weight
            signals.append("urgency:\(phrase)")
        }
        if message.contains("!!!") { urgencyScore += 2; signals.append("urgency:!!!") }
        let shouting = WordTokenizer.words(message).filter { w in
            let letters = w.filter(\.isLetter)
            return letters.count >= 3 && letters.allSatisfy(\.isUppercase)
        }
        if shouting.count >= 2 { urgencyScore += 2; signals.append("urgency:all caps") }
        let urgency =
            urgencyScore >= 5
            ? "urgent"
            : urgencyScore >= 2
                ? "high"
                : ["praise", "feature_request"].contains(intent) ? "low" : "normal"

        let positive = Self.positiveWords.filter(has)
        let negative = Self.negativeWords.filter(has)
        signals += positive.map { "sentiment:+\($0)" } + negative.map { "sentiment:-\($0)" }
        let balance = positive.count - negative.count - (urgency == "urgent" ? 1 : 0)
        let sentiment = balance > 0 ? "positive" : balance < 0 ? "negative" : "neutral"
        return Result(intent: intent, urgency: urgency, sentiment: sentiment, matchedSignals: signals)
    }
}
