import ArgumentParser

@main
struct BigBiGANCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bigbigan",
        abstract: "BigBiGAN generation and encoding on any Vulkan GPU, with a CPU reference backend.",
        subcommands: [
            GenerateCommand.self, EncodeCommand.self, ReconstructCommand.self, InterpolateCommand.self,
            DiscriminateCommand.self, VerifyCommand.self, ParityCommand.self,
            BenchCommand.self, DevicesCommand.self, InspectCommand.self, ConvertCommand.self, ProbeCommand.self,
            MergeCommand.self,
        ]
    )

    /// ArgumentParser's `main`, after routing SIGINT and SIGTERM to the removal of temporary files, with the bytes
    /// of file names that are not UTF-8 kept (`ArgumentBytes`).
    static func main() {
        Interruption.removeTemporariesOnSignals()
        main(ArgumentBytes.processArguments())
    }
}

/// The `--device` option shared by every command.
struct DeviceOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "Vulkan device index or name substring, or 'cpu' for the CPU reference backend (default: $BIGBIGAN_DEVICE, else the best device)."
    )
    var device: String?

    /// `--device`, else `BIGBIGAN_DEVICE`.
    var choice: String? { device ?? (try? Environment.current.get())?.device }

    /// Every command that takes a device checks the `BIGBIGAN_*` variables before any work, even for `--device cpu`.
    func validate() throws { _ = try Environment.current.get() }
}
