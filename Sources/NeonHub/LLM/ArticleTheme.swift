/// One kind of body section (why it matters, getting started, metrics, …): heading variants
/// and the sentences it is written from. Slots are documented on `ArticleSlots`.
struct ArticleTheme: Sendable {
    /// Position in a well-ordered article (lower comes first).
    let order: Int
    /// Heading patterns (title case; `{KW}`, `{AUD}` slots).
    let headings: [String]
    /// Sentence patterns.
    let sentences: [String]

    /// Every theme, in article order.
    static let all: [ArticleTheme] = [
        ArticleTheme(
            order: 1, headings: ["Why {KW} Matters for {AUD}", "The Case for {KW}", "What {KW} Really Changes"],
            sentences: [
                "{Kw} matters because it connects everyday work to outcomes that leadership already tracks, such as {metric} and revenue.",
                "For {aud}, the real value of {kw} is focus: fewer disconnected tactics and more effort behind the ideas that work.",
                "Buyers compare options long before they talk to anyone, so a {adj} approach to {kw} shapes their shortlist early.",
                "When {kw} is done well, it compounds, because each campaign teaches you something that makes the next one cheaper to run.",
                "Ignoring {kw} rarely saves money, since the gap usually shows up later as higher acquisition costs and slower growth.",
                "The teams that win with {kw} treat it as a system with clear owners rather than as a side project.",
                "It also gives {aud} a shared language for deciding what to do next, which shortens meetings and speeds up approvals.",
                "Most importantly, {kw} turns scattered data from {channel} into decisions that someone can act on this week.",
            ]),
        ArticleTheme(
            order: 2, headings: ["Core Principles of {KW}", "The Building Blocks of {KW}", "What Good {KW} Looks Like"],
            sentences: [
                "Start with the audience, because every piece of {kw} work should answer a question that real customers actually ask.",
                "Clarity beats volume, so a {adj} plan with three priorities will outperform a long list of half-finished experiments.",
                "Consistency matters as much as creativity, because people trust brands that show up with the same voice on {channel}.",
                "Good {kw} is measurable from day one, with a baseline for {metric} recorded before anything changes.",
                "Document the decisions behind each campaign so that new team members can learn the reasoning, not just the results.",
                "Keep feedback loops short; a weekly review of what moved {metric} is worth more than a quarterly post-mortem.",
                "Respect the customer's time by making every message specific, relevant and easy to act on.",
                "Treat {kw} as a shared responsibility between marketing, sales and product rather than a single team's task.",
            ]),
        ArticleTheme(
            order: 3, headings: ["Getting Started with {KW}", "A Step-by-Step Plan for {KW}", "Your First 90 Days of {KW}"],
            sentences: [
                "Begin by auditing what already exists: list current campaigns, the channels they use and the results each one produced.",
                "Next, choose one goal for the first {period}, such as improving {metric}, and write it down where everyone can see it.",
                "Pick a small pilot that can ship within two weeks, because early momentum makes it easier to win support for {kw}.",
                "Assign a single owner for the pilot and agree on how decisions will be made before any work starts.",
                "Build a simple calendar that maps each activity to a date, a channel and the person responsible for it.",
                "Set up measurement first, so that tracking on {channel} is working before the first message goes out.",
                "Share the plan with stakeholders early and invite questions, since surprises late in a project are expensive.",
                "Once the pilot ends, compare the results with your baseline and decide whether to scale, adjust or stop.",
            ]),
        ArticleTheme(
            order: 4,
            headings: ["Building a {KW} Strategy for {AUD}", "Planning {KW} Around Your Audience", "Turning {KW} into a Repeatable Strategy"],
            sentences: [
                "A useful strategy for {kw} starts with two or three customer segments and the problems each one is trying to solve.",
                "Map the questions people ask at each stage of the buying journey, then decide which of them {kw} should answer first.",
                "Balance quick wins with longer bets, so that the plan delivers visible progress while still building a lasting advantage.",
                "Allocate budget in proportion to evidence, because channels that already move {metric} deserve more than untested ideas.",
                "Write down what you will not do this quarter as well, since a clear no protects the team from scattered effort.",
                "Review the strategy every month with fresh data, and be willing to retire tactics that no longer pull their weight.",
                "Align the strategy with sales goals so that {kw} supports the pipeline instead of competing with it for attention.",
                "A {adj} strategy is short enough to fit on one page and specific enough that anyone on the team can explain it.",
            ]),
        ArticleTheme(
            order: 5, headings: ["Putting {KW} into Practice", "Executing {KW} Across Channels", "Day-to-Day {KW} That Works"],
            sentences: [
                "In practice, {kw} works best when each asset has one job, one audience and one clear next step.",
                "Repurpose strong ideas across {channel} and other channels instead of starting from a blank page every time.",
                "Use templates and checklists for routine work so that creative energy goes into the parts that really need it.",
                "Test subject lines, headlines and calls to action in small batches before rolling changes out widely.",
                "Keep a shared library of approved messaging so that everyone describes the product in the same way.",
                "Work in short cycles, ship on a regular rhythm and leave some room for timely opportunities.",
                "Automation can handle repetitive steps, but a person should still review anything a customer will read.",
                "Collect examples of what performed well and study why, so that good results become repeatable habits.",
            ]),
        ArticleTheme(
            order: 6, headings: ["Measuring the Impact of {KW}", "Metrics That Prove {KW} Is Working", "How to Track {KW} Results"],
            sentences: [
                "Measure {kw} against the goal you set at the start, and resist the temptation to celebrate vanity numbers.",
                "Track a leading indicator such as {metric} alongside a lagging one like revenue, so you can react before the quarter ends.",
                "Attribution will never be perfect, so combine platform data with simple questions such as how customers heard about you.",
                "Build one dashboard that everyone uses, and keep it small enough to read in under five minutes.",
                "Compare results by segment as well as in total, because averages often hide the groups where {kw} works best.",
                "Report on a regular cadence, and pair every number with a short note on what it means and what happens next.",
                "When a result surprises you, check the data first and the hypothesis second, before changing the plan.",
                "Over time, the trend in {metric} matters more than any single week, so judge progress over {period}.",
            ]),
        ArticleTheme(
            order: 7, headings: ["Common {KW} Mistakes to Avoid", "Pitfalls That Hold {KW} Back", "What Not to Do with {KW}"],
            sentences: [
                "The most common mistake is trying to do everything at once, which spreads the budget too thin to learn anything.",
                "Another pitfall is copying a competitor's playbook without checking whether their audience resembles yours.",
                "Many teams launch {kw} without a baseline, which makes it impossible to prove later that anything improved.",
                "Neglecting the follow-up is costly, because interest generated on {channel} fades quickly when nobody responds.",
                "Chasing every new platform distracts from the channels that already work and rarely pays off for {aud}.",
                "Writing for algorithms instead of people produces content that ranks briefly and converts poorly.",
                "Skipping the review step invites errors in pricing, claims or tone that can undo months of trust.",
                "Giving up too early is also a mistake, because most {kw} programs need {period} before the results are clear.",
            ]),
        ArticleTheme(
            order: 8, headings: ["Tools and Workflows for {KW}", "The {KW} Toolkit", "Streamlining {KW} with the Right Tools"],
            sentences: [
                "You do not need an expensive stack to succeed with {kw}, since a shared calendar, analytics and a CRM cover most needs.",
                "Choose tools that integrate with the systems {aud} already use, so that data flows without manual exports.",
                "A clear workflow, from brief to draft to review to launch, prevents work from stalling in someone's inbox.",
                "AI assistants can speed up research and first drafts, while editors keep accuracy and brand voice intact.",
                "Standard naming conventions for campaigns make reporting far easier when you analyse {metric} later.",
                "Audit the tool list twice a year and cancel anything the team has quietly stopped using.",
                "Write short playbooks for recurring tasks so that quality stays high when people are busy or away.",
                "The right workflow makes it obvious who does what next, which matters more than any individual feature.",
            ]),
        ArticleTheme(
            order: 9, headings: ["Scaling {KW} for the Long Term", "Where {KW} Is Heading", "Growing Your {KW} Program"],
            sentences: [
                "Once the basics work, scale {kw} gradually by adding one channel or one segment at a time.",
                "Invest in skills as well as software, because a team that understands the customer adapts faster than any tool.",
                "Privacy expectations keep rising, so build {kw} on first-party data and transparent consent.",
                "Personalisation will keep improving, but relevance still depends on understanding what {aud} care about.",
                "Search and social platforms will keep changing, so protect your results by owning direct relationships with customers.",
                "Revisit your goals every year so that the program grows with the business rather than drifting away from it.",
                "Share wins across the company, since visible results make it easier to secure budget for the next stage of {kw}.",
                "The long-term advantage comes from learning faster than competitors, not from any single campaign.",
            ]),
    ]
}
