import Foundation

/// How a FILE_UPLOAD video is cut into chunks, by TikTok's media transfer guide
/// (https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide): every chunk
/// 5–64 MB except the last, which takes the trailing bytes (up to 128 MB);
/// `total_chunk_count` = floor(video_size / chunk_size), 1–1000; a video under 5 MB (or no
/// larger than one chunk) goes whole, with `chunk_size` = its size. Chunks are sent in order.
struct TikTokChunkPlan: Sendable, Equatable {
    /// The smallest chunk but a whole small video (5 MB, read as 5 MiB so it holds either way).
    static let minimumChunk = 5 * 1_048_576
    /// The largest chunk but the last (64 MB, read as 64,000,000 bytes so it holds either way).
    static let maximumChunk = 64_000_000
    /// The largest last chunk (128 MB, read as 128,000,000 bytes).
    static let maximumLastChunk = 128_000_000
    /// The most chunks TikTok takes.
    static let maximumCount = 1000

    /// `source_info.video_size`.
    let videoSize: Int
    /// `source_info.chunk_size`.
    let chunkSize: Int
    /// `source_info.total_chunk_count`.
    let count: Int

    /// The plan for `videoSize` bytes with chunks of about `preferred` bytes (clamped to the
    /// bounds); nil when the video cannot be sent within them (empty, or more than 1000 × 64 MB).
    init?(videoSize: Int, preferred: Int) {
        guard videoSize > 0 else { return nil }
        let size = min(max(preferred, Self.minimumChunk), Self.maximumChunk)
        if videoSize <= size {
            self.videoSize = videoSize
            chunkSize = videoSize
            count = 1
            return
        }
        // Grow the chunk when the preferred size would need more than 1000 chunks.
        var chunk = size
        if videoSize / chunk > Self.maximumCount { chunk = (videoSize + Self.maximumCount - 1) / Self.maximumCount }
        guard chunk <= Self.maximumChunk, videoSize - chunk * (videoSize / chunk - 1) <= Self.maximumLastChunk else { return nil }
        self.videoSize = videoSize
        chunkSize = chunk
        count = videoSize / chunk
    }

    /// The byte ranges of the chunks, in order; the last one runs to the end of the video.
    var ranges: [Range<Int>] {
        (0..<count).map { index in
            let start = index * chunkSize
            return start..<(index == count - 1 ? videoSize : start + chunkSize)
        }
    }

    /// `Content-Range` of one chunk: `bytes first-last/total`.
    func contentRange(_ range: Range<Int>) -> String { "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(videoSize)" }
}
