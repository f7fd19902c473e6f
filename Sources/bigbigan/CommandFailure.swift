/// A run that failed on its data, files, device or memory rather than on its command line: exit 1 with the message
/// and no usage text. Usage errors are `ValidationError`s (exit 64, usage text), thrown by `validate()` or for the
/// `BIGBIGAN_*` variables.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
