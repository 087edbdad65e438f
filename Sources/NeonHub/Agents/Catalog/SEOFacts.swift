/// What the SEO agent measured, and the score and suggestions that follow from it.
struct SEOFacts: Sendable {
    var keyword: String
    var words: Int
    var sentences: Int
    var flesch: Double
    var occurrences: Int
    /// Occurrences per 100 words.
    var density: Double
    var title: String?
    var metaDescription: String?
    var inTitle: Bool
    var inFirstParagraph: Bool
    /// In at least one H2 or H3.
    var inHeadings: Bool
    var inMetaDescription: Bool
    var h1: Int
    var h2: Int
    var h3: Int

    /// Recommended keyword density range, in percent.
    static let densityRange = 0.5...2.5
    static let idealTitle = 30...60
    static let idealMeta = 120...160
    static let minimumWords = 300

    var titleLength: Int { title?.count ?? 0 }
    var metaLength: Int { metaDescription?.count ?? 0 }

    /// The agent's output.
    var report: JSONValue {
        .object([
            "score": JSONOut.int(score),
            "wordCount": JSONOut.int(words),
            "fleschReadingEase": JSONOut.rounded(flesch, places: 1),
            "readingLevel": .string(Self.readingLevel(flesch)),
            "keyword": .object([
                "keyword": .string(keyword),
                "occurrences": JSONOut.int(occurrences),
                "density": JSONOut.rounded(density),
                "inTitle": .bool(inTitle),
                "inFirstParagraph": .bool(inFirstParagraph),
                "inHeadings": .bool(inHeadings),
                "inMetaDescription": .bool(inMetaDescription),
            ]),
            "headings": .object(["h1": JSONOut.int(h1), "h2": JSONOut.int(h2), "h3": JSONOut.int(h3)]),
            "titleLength": JSONOut.int(titleLength),
            "metaDescriptionLength": JSONOut.int(metaLength),
            "suggestions": JSONOut.strings(suggestions),
        ])
    }

    /// 0–100: keyword placement 40 (title 15, first paragraph 10, a subheading 10, meta
    /// description 5), density 20, title length 10, meta description length 10, content length
    /// 10, readability 10; −5 for more than one H1.
    var score: Int {
        var points = 0
        points += inTitle ? 15 : 0
        points += inFirstParagraph ? 10 : 0
        points += inHeadings ? 10 : (h2 > 0 ? 5 : 0)
        points += Self.densityRange.contains(density) ? 20 : (occurrences > 0 ? 8 : 0)
        points += Self.idealTitle.contains(titleLength) ? 10 : (titleLength > 0 ? 5 : 0)
        points += Self.idealMeta.contains(metaLength) ? 10 : (metaLength > 0 ? 5 : 0)
        points += inMetaDescription ? 5 : 0
        points += words >= Self.minimumWords ? 10 : words * 10 / Self.minimumWords
        points += flesch >= 60 ? 10 : flesch >= 50 ? 6 : flesch >= 30 ? 3 : 0
        points -= h1 > 1 ? 5 : 0
        return min(100, max(0, points))
    }

    /// Concrete fixes, most important first.
    var suggestions: [String] {
        var out: [String] = []
        let kw = "\"\(keyword)\""
        if title == nil {
            out.append("Add a title (the title field or an H1) that contains \(kw).")
        } else if !inTitle {
            out.append("Add the primary keyword \(kw) to the title.")
        }
        if titleLength > Self.idealTitle.upperBound {
            out.append("Shorten the title to 60 characters or fewer (it has \(titleLength)); longer titles are cut off in search results.")
        } else if titleLength > 0 && titleLength < Self.idealTitle.lowerBound {
            out.append("Lengthen the title to 30–60 characters (it has \(titleLength)).")
        }
        if metaDescription == nil {
            out.append("Write a meta description of 120–160 characters that includes \(kw).")
        } else {
            if metaLength > Self.idealMeta.upperBound {
                out.append("Shorten the meta description to 160 characters or fewer (it has \(metaLength)).")
            } else if metaLength < Self.idealMeta.lowerBound {
                out.append("Lengthen the meta description to 120–160 characters (it has \(metaLength)).")
            }
            if !inMetaDescription { out.append("Mention \(kw) in the meta description.") }
        }
        if !inFirstParagraph { out.append("Use \(kw) in the first paragraph.") }
        let percent = JSONOut.format(density)
        if density < Self.densityRange.lowerBound, words > 0 {
            let target = max(1, Int((Double(words) * Self.densityRange.lowerBound / 100).rounded(.up)))
            out.append(
                "Keyword density is \(percent)% (\(occurrences) in \(words) words), below 0.5%; use \(kw) about \(target - occurrences) more time(s)."
            )
        } else if density > Self.densityRange.upperBound {
            let allowed = Int((Double(words) * Self.densityRange.upperBound / 100).rounded(.down))
            out.append(
                "Keyword density is \(percent)% (\(occurrences) in \(words) words), above 2.5%, which reads as keyword stuffing; remove about \(max(1, occurrences - allowed)) occurrence(s)."
            )
        }
        if h2 == 0 {
            out.append("Add H2 subheadings (## …) to structure the article, one of them with \(kw).")
        } else if !inHeadings {
            out.append("Use \(kw) in at least one H2 subheading.")
        }
        if h1 > 1 { out.append("Use a single H1 (found \(h1)); make the others H2.") }
        if words < Self.minimumWords {
            out.append("Expand the content to at least 300 words (it has \(words)).")
        }
        if flesch < 50, words > 0 {
            let average = sentences == 0 ? 0 : Double(words) / Double(sentences)
            out.append(
                "Improve readability (Flesch \(JSONOut.format(flesch)), \(Self.readingLevel(flesch))): shorten sentences (average \(JSONOut.format(average)) words) and prefer shorter words."
            )
        }
        return out
    }

    /// The Flesch reading-ease band.
    static func readingLevel(_ flesch: Double) -> String {
        switch flesch {
        case 90...: "very easy"
        case 80..<90: "easy"
        case 70..<80: "fairly easy"
        case 60..<70: "standard"
        case 50..<60: "fairly difficult"
        case 30..<50: "difficult"
        default: "very difficult"
        }
    }
}
