/// Tone-neutral sentences for the introduction, the conclusion and general elaboration, and
/// the vocabulary behind the `{metric}`, `{channel}` and `{period}` slots.
enum ArticlePhrases {
    /// Introduction sentences that follow the hook.
    static let introduction: [String] = [
        "This guide focuses on {topic}, with practical steps that {aud} can apply without a large budget or a new team.",
        "You will find practical principles, concrete steps and simple ways to measure progress along the way.",
        "The advice is based on patterns that show up again and again in successful marketing programs.",
        "Whether you are new to {kw} or refining an existing program, the goal is the same: better results with less wasted effort.",
        "Every section includes ideas you can act on immediately.",
        "Along the way, we will look at how {kw} connects to {metric} and to the wider goals of the business.",
        "Read it from start to finish, or jump to the section that matches the challenge in front of you today.",
        "By the end, you should have a clear picture of what to do first and how to measure whether it works.",
    ]

    /// Conclusion sentences that come before the call to action.
    static let conclusion: [String] = [
        "{Kw} rewards teams that start small, measure honestly and keep improving.",
        "The principles in this guide apply whether you have a team of one or a department of fifty.",
        "Focus on the audience, choose one clear goal and build the habit of reviewing results every week.",
        "Over {period}, those habits turn {kw} from an experiment into a dependable source of growth.",
        "Remember that progress in {metric} tends to arrive gradually and then all at once.",
        "None of this requires perfection, only a willingness to learn from each campaign.",
        "With a clear plan, the right tools and steady execution, {aud} can make {kw} one of their strongest advantages.",
        "The most important step is the first one, so keep it small and make it happen soon.",
    ]

    /// Elaboration that fits any section, used once a section's own sentences run out.
    static let general: [String] = [
        "A simple example helps: a team that improved {metric} by a few points each month saw a meaningful gain within {period}.",
        "It helps to write the goal in one sentence and to test every new idea against it.",
        "Small, well-measured experiments usually teach more than one large and expensive launch.",
        "Ask customers directly what they need, because their own words often make the best headlines.",
        "Keep the process light enough that the team actually follows it on a busy week.",
        "Where possible, reuse what already works instead of reinventing it from scratch.",
        "Clear ownership prevents good ideas from disappearing between meetings.",
        "A short weekly check-in keeps everyone aligned without slowing anyone down.",
        "Celebrate progress openly, because momentum is far easier to keep than to restart.",
        "Budget a little time for cleanup and documentation after each campaign ends.",
        "The details matter, and a broken link or a slow page can cancel out a great message.",
        "Make it easy for prospects to take the next step, whether that is a demo, a download or a reply.",
        "Consistency over {period} will beat an intense burst of activity followed by silence.",
        "Be honest about what did not work, since those lessons are often the most valuable ones.",
        "Bring sales into the conversation, because they hear objections that marketing rarely sees.",
        "Write for one reader at a time, even when the audience is large.",
        "Good data hygiene, such as removing duplicates and stale contacts, keeps {metric} trustworthy.",
        "Timing matters too, so look at when your audience is most active on {channel}.",
        "When resources are tight, improve what you already have before producing anything new.",
        "The goal is steady, compounding improvement rather than a single viral moment.",
        "A clear brief saves hours of revisions later in the process.",
        "Use plain language, because jargon makes even strong ideas harder to act on.",
        "Keep an eye on competitors, but let customer needs set the agenda.",
        "Record what you learn in a place the whole team can find it later.",
        "A {adj} checklist turns good intentions into work that actually ships.",
        "Pair every new tactic with a clear owner, a deadline and a way to tell whether it worked.",
        "Look for the questions your support team answers every week, since each one is a content idea waiting to happen.",
        "A modest budget spent steadily usually beats a large one spent in a hurry.",
        "Test one change at a time, or you will never know which one made the difference.",
        "Share early drafts with a colleague who represents the reader, not only with the approvers.",
        "Small improvements to {metric} add up faster than most teams expect.",
        "Plan for maintenance as well as launches, because older assets still need updates to stay accurate.",
        "Give every campaign a clear end date, a short review and a decision about what comes next.",
        "Keep a running list of ideas so that planning sessions start with options rather than a blank page.",
    ]

    /// Closing phrases that lengthen a short meta description.
    static let metaTails = [
        "Includes a step-by-step plan.",
        "With examples and metrics to track.",
        "Plus the mistakes worth avoiding.",
        "Practical steps, real examples and the metrics that matter.",
        "Includes a step-by-step plan, examples and common mistakes to avoid.",
    ]

    /// `{metric}` values.
    static let metrics = [
        "conversion rate", "cost per lead", "engagement rate", "customer retention", "pipeline velocity",
        "click-through rate", "qualified leads", "customer lifetime value", "organic traffic", "activation rate",
    ]

    /// `{channel}` values.
    static let channels = [
        "email", "social media", "search", "your blog", "paid campaigns", "LinkedIn", "your website",
        "webinars", "partner newsletters",
    ]

    /// `{period}` values.
    static let periods = ["a quarter", "six weeks", "a few months", "90 days", "two quarters"]

    /// Short openers for `.text` replies.
    static let replyOpeners = [
        "Here is a quick, offline take on", "A short answer about", "Some practical thoughts on",
        "A brief perspective on",
    ]

    /// Advice sentences for `.text` replies.
    static let replyAdvice = [
        "Start with one clear goal and a baseline, so you can tell whether anything improved.",
        "Focus on the audience first and let their questions shape the message.",
        "Run a small experiment this week rather than planning a large launch.",
        "Measure a leading indicator weekly and review it with the whole team.",
        "Keep the message specific, useful and easy to act on.",
        "Reuse what already works before producing something new.",
    ]
}
