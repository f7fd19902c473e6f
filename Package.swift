// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "BigBiGAN",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "bigbigan", targets: ["bigbigan"]),
        .library(name: "VulkanCompute", targets: ["VulkanCompute"]),
        .library(name: "Tensors", targets: ["Tensors"]),
        .library(name: "TensorsVulkan", targets: ["TensorsVulkan"]),
        .library(name: "BigBiGAN", targets: ["BigBiGAN"]),
        .library(name: "BigBiGANIO", targets: ["BigBiGANIO"]),
        .library(name: "TensorFlowGraph", targets: ["TensorFlowGraph"]),
        .library(name: "GraphEngine", targets: ["GraphEngine"]),
        .library(name: "LinearProbe", targets: ["LinearProbe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        // Layer 1: C system libraries.
        .systemLibrary(name: "CVulkan", providers: [.apt(["libvulkan-dev"])]),
        .systemLibrary(name: "CGlslang", providers: [.apt(["glslang-dev", "spirv-tools"])]),
        // libpng, libjpeg-turbo and zlib behind a C shim that turns their longjmp errors into status codes.
        .target(
            name: "CImageCodecs",
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg"), .linkedLibrary("z")]
        ),
        // Layer 2: the Vulkan wrapper; knows nothing of GANs.
        .target(
            name: "VulkanCompute",
            dependencies: ["CVulkan", "CGlslang"]
        ),
        // Layer 2: files through system calls: read whole, memory-mapped, written atomically; failures in the system's words.
        .target(name: "FileAccess"),
        // Layer 3: tensors, op shape rules and the CPU reference backend; no Vulkan.
        .target(name: "Tensors"),
        // Layer 3: the Vulkan backend of the tensor ops: the GLSL of Shaders/, built in, dispatched through VulkanCompute.
        .target(name: "TensorsVulkan", dependencies: ["Tensors", "VulkanCompute"], plugins: ["EmbedShaders"]),
        // Build tool: turns Shaders/ into a Swift file of string literals for TensorsVulkan.
        .executableTarget(name: "ShaderEmbedder"),
        .plugin(name: "EmbedShaders", capability: .buildTool(), dependencies: ["ShaderEmbedder"]),
        // Layer 4: files: PNG/JPEG images, .npy/.npz and .safetensors tensors, TensorFlow checkpoints.
        .target(name: "BigBiGANIO", dependencies: ["Tensors", "CImageCodecs", "FileAccess"]),
        // Layer 4: TensorFlow SavedModels and TF-Hub modules: meta graphs, signatures, GraphDefs, decoded without TensorFlow.
        .target(name: "TensorFlowGraph", dependencies: ["FileAccess"]),
        // Layer 4: BigBiGAN models and weights, written once against the backend interface; weights from files via BigBiGANIO.
        // Ships the default model's weights (docs/default-model.md) as a resource.
        .target(
            name: "BigBiGAN", dependencies: ["Tensors", "BigBiGANIO"],
            resources: [.copy("DefaultModel/bigbigan-fashion-mnist.safetensors")]),
        // Layer 5: runs a module's own TensorFlow graph on any backend: pruning, variable binding, folding, lowering.
        .target(name: "GraphEngine", dependencies: ["Tensors", "BigBiGANIO", "TensorFlowGraph"]),
        // Layer 5: the linear-probe evaluation: logistic regression on features read a mini-batch at a time; no Vulkan.
        .target(name: "LinearProbe", dependencies: ["Tensors"]),
        // Layer 6: the command-line tool.
        .executableTarget(
            name: "bigbigan",
            dependencies: [
                "BigBiGAN", "BigBiGANIO", "FileAccess", "GraphEngine", "LinearProbe", "Tensors", "TensorsVulkan",
                "TensorFlowGraph", "VulkanCompute", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The device the tests run on, opened as the test environment's BIGBIGAN_* variables say.
        .target(
            name: "TestSupport", dependencies: ["Tensors", "TensorsVulkan", "VulkanCompute"], path: "Tests/TestSupport"),
        // Writes TensorFlow tensor bundles (checkpoints) for tests that need damaged or altered ones.
        .target(name: "CheckpointWriting", dependencies: ["BigBiGANIO", "Tensors"], path: "Tests/CheckpointWriting"),
        .testTarget(name: "VulkanComputeTests", dependencies: ["VulkanCompute", "CVulkan", "TestSupport"]),
        .testTarget(name: "FileAccessTests", dependencies: ["FileAccess"]),
        .testTarget(name: "LinearProbeTests", dependencies: ["LinearProbe", "Tensors"]),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "TensorsVulkan", "VulkanCompute", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["BigBiGANIO", "Tensors", "bigbigan", "CheckpointWriting"]),
        .testTarget(
            name: "BigBiGANTests",
            dependencies: [
                "BigBiGAN", "BigBiGANIO", "Tensors", "TensorsVulkan", "VulkanCompute", "TestSupport",
                "CheckpointWriting",
            ]),
        // Fixtures/ holds a small TensorFlow checkpoint (tools/fixtures/make_checkpoint_fixture.py), read by path.
        .testTarget(
            name: "BigBiGANIOTests", dependencies: ["BigBiGANIO", "FileAccess", "Tensors", "CheckpointWriting"],
            exclude: ["Fixtures"]
        ),
        // Reads the TensorFlow-written Tests/Fixtures/bigbigan-tiny (tools/fixtures/make_bigbigan_fixture.py) by path.
        .testTarget(name: "TensorFlowGraphTests", dependencies: ["TensorFlowGraph"]),
        // Runs the TensorFlow-written fixtures under Tests/Fixtures (tools/fixtures/make_graph_fixtures.py) by path.
        .testTarget(
            name: "GraphEngineTests",
            dependencies: ["GraphEngine", "BigBiGANIO", "TensorFlowGraph", "Tensors", "TensorsVulkan", "TestSupport"]),
    ]
)

// libFuzzer targets, declared only when BIGBIGAN_FUZZ is set (tools/fuzz.sh builds them with the fuzzer and address
// sanitizers), so ordinary builds and tests never see them.
if Context.environment["BIGBIGAN_FUZZ"] != nil {
    package.targets.append(.target(name: "FuzzerDriver", path: "Fuzz/FuzzerDriver"))
    let fuzzers: [(String, [Target.Dependency])] = [
        ("IndexFuzzer", ["BigBiGANIO"]), ("SafetensorsFuzzer", ["BigBiGANIO", "Tensors"]),
        ("NPYFuzzer", ["BigBiGANIO", "Tensors"]), ("ImageFuzzer", ["BigBiGANIO"]),
        ("SavedModelFuzzer", ["TensorFlowGraph"]),
    ]
    for (name, dependencies) in fuzzers {
        // lld: gold fails with an internal error on these sanitizer-instrumented objects.
        package.targets.append(
            .executableTarget(
                name: name, dependencies: dependencies + ["FuzzerDriver"], path: "Fuzz/\(name)",
                linkerSettings: [.unsafeFlags(["-use-ld=lld"])]))
    }
}
