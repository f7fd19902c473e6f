import Foundation

/// The BigBiGAN this project trained on Fashion-MNIST (`docs/default-model.md`): 32×32 images of clothing, the
/// model every command runs when no weights are given. Its weights ship with the package as a resource,
/// `bigbigan-fashion-mnist.safetensors` (canonical names, the moving averages of the generator and the encoder,
/// spectral normalisation applied), written by `tools/train/train.py`.
public enum DefaultModel {
    /// The name the weights file's metadata gives (`WeightMetadata.model`).
    public static let name = "fashion-mnist-32"
    public static let fileName = "bigbigan-fashion-mnist.safetensors"

    /// BigGAN's generator at 32×32: ch 32, three blocks (4→8→16→32), attention at 16×16, z of 120 in four chunks.
    public static let generator = GeneratorConfig(ch: 32, blocks: 3, attentionResolution: 16)
    /// A ResNet-v2 encoder on 32×32 inputs: a 3×3 stem at full resolution, width 64, three stages of two
    /// bottlenecks (32×32 → 8×8), a 256-d `avepool_feat`, and two residual hidden layers of 256 before (μ, σ̂).
    public static let encoder = EncoderConfig(
        architecture: .resnet50, width: 64, blocksPerStage: [2, 2, 2], resolution: 32,
        head: EncoderHead(hiddenWidths: [256, 256]), stem: .small)

    /// BigGAN's discriminator trunk at 32×32 (ch 32: 32→16→8→4→4, attention at 16×16) with H and J MLPs of 256.
    public static let discriminator = DiscriminatorConfig.fashionMNIST

    /// Fashion-MNIST's ten classes, by label.
    public static let classes = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]

    /// Where the weights lie: in the resource folder that SwiftPM puts beside the built executable (or test bundle),
    /// `BigBiGAN_BigBiGAN.resources`, below `products`.
    public static func weightsURL(products: URL = Bundle.main.bundleURL) -> URL {
        products.appendingPathComponent("BigBiGAN_BigBiGAN.resources").appendingPathComponent(fileName)
    }

    /// The shipped weights, read from `weightsURL(products:)`; throws `DefaultModelMissing` when they are not there
    /// (an executable copied without its resource folder).
    public static func weights(products: URL = Bundle.main.bundleURL) throws -> SafetensorsWeights {
        let url = weightsURL(products: products)
        guard FileManager.default.fileExists(atPath: url.path) else { throw DefaultModelMissing(url: url) }
        return try SafetensorsWeights(url: url)
    }

    /// Whether `weights` are this model's, by their metadata.
    public static func holds(_ weights: any WeightSource) -> Bool { weights.metadata[WeightMetadata.model] == name }
}

/// The default model's weights are not where the package puts them.
public struct DefaultModelMissing: Error, CustomStringConvertible {
    public let url: URL
    public var description: String {
        "the default model's weights are not at \(url.path): copy the BigBiGAN_BigBiGAN.resources folder beside the executable, or pass --weights"
    }
}
