import ArgumentParser

/// `--zoom`: how much a PNG grid enlarges its images for viewing; `.npy` outputs and single PNGs keep the model's
/// size.
struct GridZoom: ParsableArguments {
    @Option(
        help:
            "Enlarge the images of a PNG grid N× by nearest neighbour for viewing (default: 4 for 32×32 images, 2 for 64×64, 1 from 128×128 up)."
    )
    var zoom: Int?

    func validate() throws { try OptionLimits.check(zoom, "--zoom", in: 1 ... 64) }

    /// The factor for images of `resolution`²: `--zoom`, or enough to bring them to about 128 pixels.
    func factor(resolution: Int) -> Int { zoom ?? max(1, 128 / max(resolution, 1)) }

    /// "(enlarged 4× by nearest neighbour; --zoom 1 keeps 32×32)" when the grid is enlarged, else "".
    func note(resolution: Int) -> String {
        let factor = factor(resolution: resolution)
        return factor == 1
            ? "" : " (enlarged \(factor)× by nearest neighbour; --zoom 1 keeps \(resolution)×\(resolution))"
    }
}
