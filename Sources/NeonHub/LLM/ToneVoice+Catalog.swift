extension ToneVoice {
    /// Warm, second-person, encouraging.
    static let friendly = ToneVoice(
        name: "friendly",
        adjectives: ["simple", "practical", "down-to-earth", "doable", "refreshing", "handy"],
        connectors: ["Honestly, ", "In our experience, ", "As a friendly rule of thumb, ", "Between us, "],
        hooks: [
            "If {kw} has been sitting on your to-do list for a while, you are in good company, and this guide will make it feel a lot more manageable.",
            "Let's talk about {kw}: what it is, why it matters for {aud}, and how to make it work without the stress.",
            "You don't need a huge budget to get great results from {kw}, just a clear plan and a little patience.",
        ],
        asides: [
            "Don't worry if this feels like a lot at first; nobody gets everything right on the first try.",
            "You've got this, and every small step counts more than you might think.",
            "Grab a coffee, open a blank doc and jot down the first idea that comes to mind.",
            "Think of this as a conversation with your customers rather than a broadcast.",
            "It's okay to keep things simple while you find your feet.",
            "Your future self will thank you for the notes you take today.",
        ],
        callsToAction: [
            "Pick one idea from this guide, try it this week and see how {kw} works for your team.",
            "Start small today: choose one goal, share it with a teammate and take the first step together.",
            "Give it a go this week, and come back to this guide whenever you need a friendly nudge.",
        ],
        titles: [
            "{KW} Made Simple: A Friendly Guide for {AUD}",
            "Your Friendly Guide to {KW}",
            "{KW} Without the Stress: Tips for {AUD}",
            "Getting Comfortable with {KW}: A Guide for {AUD}",
        ],
        metaDescriptions: [
            "A friendly, practical guide to {kw} for {aud}: simple steps, common mistakes and ideas you can try this week.",
            "Learn {kw} the easy way, with simple steps and tips you can put to work this week.",
            "{Kw} made simple: easy steps to try this week.",
        ],
        introHeadings: ["Let's Get Started", "Why You'll Want to Read This", "First Things First"],
        conclusionHeadings: ["Wrapping Up", "Your Next Step", "Final Thoughts"])

    /// Measured, organisational, process-minded.
    static let professional = ToneVoice(
        name: "professional",
        adjectives: ["structured", "effective", "measurable", "scalable", "disciplined", "well-governed"],
        connectors: ["In practice, ", "Operationally, ", "For most organizations, ", "Importantly, "],
        hooks: [
            "{Kw} has become a core capability for {aud} who need predictable growth from a limited budget.",
            "Organizations that approach {kw} systematically tend to see steadier gains in {metric} and clearer returns on their spend.",
            "For {aud}, {kw} is now a standard part of the operating model rather than an experiment.",
        ],
        asides: [
            "Organizations that formalize this step typically reduce rework and shorten approval cycles.",
            "Stakeholder alignment at this stage prevents costly changes later in the program.",
            "A documented process also makes performance easier to audit and improve.",
            "Clear governance ensures that decisions remain consistent as the team grows.",
            "Resource planning should reflect both current capacity and expected demand.",
            "Regular reporting keeps leadership informed and maintains confidence in the program.",
        ],
        callsToAction: [
            "Schedule a planning session with your team this month to define objectives, owners and metrics for {kw}.",
            "Start by assessing your current capabilities against the framework above, then prioritize the two largest gaps.",
            "Book a review with stakeholders to agree on a pilot scope, a budget and a timeline for {kw}.",
        ],
        titles: [
            "{KW}: A Practical Framework for {AUD}",
            "A Professional Guide to {KW} for {AUD}",
            "{KW} Best Practices: Strategy, Execution and Measurement",
            "Implementing {KW}: A Guide for {AUD}",
        ],
        metaDescriptions: [
            "A practical framework for {kw}: strategy, execution, measurement and governance for {aud}.",
            "Learn how to implement {kw} with clear objectives, measurable results and scalable processes.",
            "{Kw}: best practices, metrics and a framework.",
        ],
        introHeadings: ["Introduction", "Executive Summary", "Overview"],
        conclusionHeadings: ["Conclusion", "Recommendations", "Next Steps"])

    /// Confident, evidence-led, prescriptive.
    static let authoritative = ToneVoice(
        name: "authoritative",
        adjectives: ["proven", "rigorous", "evidence-based", "disciplined", "battle-tested", "exacting"],
        connectors: ["Critically, ", "Without question, ", "As a firm rule, ", "Crucially, "],
        hooks: [
            "{Kw} is no longer optional: the evidence from high-performing teams shows it is one of the most reliable drivers of growth.",
            "After years of experiments across industries, the principles behind effective {kw} are well understood.",
            "The gap between teams that master {kw} and teams that dabble in it widens every year.",
        ],
        asides: [
            "This is not a matter of opinion; the data from high-performing teams is consistent.",
            "Teams that skip this discipline consistently underperform those that follow it.",
            "Treat this as a non-negotiable standard rather than a suggestion.",
            "The strongest programs measure relentlessly and act on what the numbers say.",
            "Decades of marketing research point in the same direction here.",
            "Precision at this stage separates leaders from followers.",
        ],
        callsToAction: [
            "Commit to a 90-day {kw} plan today, set the baseline and hold the team accountable to it.",
            "Take the first step now: define the goal, assign an owner and measure everything that follows.",
            "Put these principles into practice this quarter and let the results make the case for {kw}.",
        ],
        titles: [
            "The Definitive Guide to {KW} for {AUD}",
            "{KW}: What Works, What Doesn't and Why",
            "Mastering {KW}: Proven Principles for {AUD}",
            "{KW}: The Complete Playbook for {AUD}",
        ],
        metaDescriptions: [
            "The definitive guide to {kw}: proven principles, the metrics that matter and the mistakes {aud} must avoid.",
            "Master {kw} with proven principles, rigorous measurement and a clear plan.",
            "{Kw}: proven principles and the metrics that matter.",
        ],
        introHeadings: ["The State of Play", "Why This Matters", "The Bottom Line First"],
        conclusionHeadings: ["The Verdict", "Conclusion", "What to Do Now"])

    /// Light, witty, a little cheeky.
    static let playful = ToneVoice(
        name: "playful",
        adjectives: ["delightful", "clever", "no-nonsense", "surprisingly fun", "bite-sized", "fresh"],
        connectors: ["Pro tip: ", "Quick tip: ", "Friendly reminder: ", "Hot take: "],
        hooks: [
            "Let's be honest: {kw} can feel like juggling flaming torches on a unicycle, but it does not have to.",
            "Think of {kw} as the espresso shot your marketing has been quietly begging for.",
            "Good news, {aud}: {kw} is a lot more fun than your last spreadsheet suggested.",
        ],
        asides: [
            "Yes, spreadsheets can spark joy, at least when the numbers go up.",
            "Think of it like a good playlist: the order matters as much as the songs.",
            "No capes required, just a little curiosity and a willingness to experiment.",
            "If that sounds like a lot, remember that even rocket launches start with a checklist.",
            "Consider this your official permission slip to try something new.",
            "Your competitors will wonder what you had for breakfast.",
        ],
        callsToAction: [
            "Ready to have some fun with {kw}? Pick one idea, try it this week and watch what happens.",
            "Grab your team, pick the boldest idea in this guide and give it a spin before Friday.",
            "Go on, start your first {kw} experiment today, and do a small victory dance when the numbers move.",
        ],
        titles: [
            "{KW} Unlocked: A Fun Guide for {AUD}",
            "{KW}, Minus the Headaches",
            "Everything {AUD} Secretly Want to Know About {KW}",
            "The Not-Boring Guide to {KW}",
        ],
        metaDescriptions: [
            "{Kw}, minus the headaches: a fun, practical guide for {aud} with tips you will actually use.",
            "The not-boring guide to {kw}: clever tips, fewer headaches and better results.",
            "{Kw} made fun: quick tips, fewer headaches.",
        ],
        introHeadings: ["Hello, Curious Reader", "Why You Are Going to Love This", "The Warm-Up"],
        conclusionHeadings: ["That's a Wrap", "The Grand Finale", "Wrapping Up"])

    /// Neutral and explanatory (the default).
    static let informative = ToneVoice(
        name: "informative",
        adjectives: ["clear", "practical", "balanced", "useful", "straightforward", "well-rounded"],
        connectors: ["In general, ", "Typically, ", "As a rule, ", "In many cases, "],
        hooks: [
            "{Kw} describes a set of practices that help {aud} reach the right people with the right message at the right time.",
            "This article explains {kw} in plain terms and shows how {aud} can use it to improve {metric}.",
            "Understanding {kw} starts with a simple question: what do your customers need, and how can you help them find it?",
        ],
        asides: [
            "It is worth noting that results vary by industry, audience and budget.",
            "The same principle applies to both small teams and large organizations.",
            "A short checklist can make this step easier to repeat.",
            "Examples from your own data will always be more convincing than general benchmarks.",
            "This step is often overlooked, yet it has a large effect on results.",
            "The details may change over time, but the underlying idea stays the same.",
        ],
        callsToAction: [
            "Start by choosing one goal from this guide and applying it to your next campaign.",
            "Take the checklist above, share it with your team and decide on the first step for {kw} this week.",
            "Download your current data, set a baseline and begin your first {kw} experiment today.",
        ],
        titles: [
            "{KW}: A Practical Guide for {AUD}",
            "Understanding {KW}: A Guide for {AUD}",
            "How {AUD} Can Get More from {KW}",
            "{KW} Explained: Strategy, Tips and Metrics",
        ],
        metaDescriptions: [
            "A practical guide to {kw} for {aud}: key principles, a step-by-step plan, metrics to track and mistakes to avoid.",
            "Learn how to use {kw} to improve results, with clear steps and useful metrics.",
            "{Kw} explained: principles, steps and metrics.",
        ],
        introHeadings: ["Introduction", "Overview", "What This Guide Covers"],
        conclusionHeadings: ["Conclusion", "Key Takeaways", "Summary"])
}
