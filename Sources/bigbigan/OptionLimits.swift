import ArgumentParser
import BigBiGAN

/// The ranges of the count and size options, checked by `validate()` before any work: a number outside is a usage
/// error that gives the range. They bound what arithmetic on them can reach; whether a job fits the machine is
/// `MemoryEstimate`'s question.
enum OptionLimits {
    /// Images one run makes (`--count`, `--steps`): 10⁷ is 200× the 50 000 of an FID evaluation.
    static let images = 1 ... 10_000_000
    /// Images per forward pass (`--batch-size`, `--batch`).
    static let batch = 1 ... 4096
    /// Timed or warm-up forward passes of `bench`.
    static let iterations = 1 ... 100_000

    /// Throws a usage error naming `option` and `range` unless `value` (when given) is in `range`.
    static func check(_ value: Int?, _ option: String, in range: ClosedRange<Int>) throws {
        guard let value, !range.contains(value) else { return }
        throw ValidationError("\(option) must be in \(range.lowerBound)…\(range.upperBound), got \(value)")
    }

    /// `--ch`, within `GeneratorConfig.chRange`.
    static func checkCh(_ ch: Int?) throws { try check(ch, "--ch", in: GeneratorConfig.chRange) }

    /// `--width`, a multiple of 8 within `EncoderConfig.widthRange`.
    static func checkWidth(_ width: Int?) throws {
        let range = EncoderConfig.widthRange
        guard let width, !range.contains(width) || width % 8 != 0 else { return }
        throw ValidationError(
            "--width must be a multiple of 8 in \(range.lowerBound)…\(range.upperBound), got \(width)")
    }
}
