import Foundation

/// Reads a whole file once.
package enum FileBytes {
    /// The file's contents, or a readable reason why they could not be read.
    package static func read(_ url: URL) throws(FileSystemFailure) -> Data {
        do {
            return try Data(contentsOf: url)
        } catch {
            let nsError = error as NSError
            let reason =
                (nsError.userInfo[NSUnderlyingErrorKey] as? NSError)?.localizedDescription
                ?? nsError.localizedDescription
            throw FileSystemFailure(detail: reason)
        }
    }
}
