import BigBiGAN
import Foundation
import Tensors
import TestSupport
import Testing
import VulkanCompute

@testable import TensorsVulkan

/// A forward pass repeated at the same batch size allocates no device memory, creates no pipelines or descriptor
/// pools, and submits and waits once (for its download): buffers come back from the arena, kernels from the
/// context's cache, and every op is recorded into one command buffer.
@Suite("steady state")
struct SteadyStateTests {
    /// Its own context, so pipelines created by tests running in parallel do not show in the counts. Both
    /// transfer paths: through the mapping (lavapipe's default) and through staging memory (as on GPUs).
    @Test(arguments: [false, true])
    func secondForwardAllocatesNothingAndSubmitsOnce(alwaysStage: Bool) throws {
        let context = try VulkanBackend.openContext(TestDevice.deviceOptions)
        var options = VulkanBackend.Options()
        options.alwaysStage = alwaysStage
        let backend = try VulkanBackend(context: context, options: options)

        let generator = try Generator(
            config: GeneratorConfig(ch: 4), weights: SyntheticWeights(seed: 1), backend: backend)
        let encoderConfig = EncoderConfig.reduced(.resnet50)
        let encoder = try Encoder(config: encoderConfig, weights: SyntheticWeights(seed: 2), backend: backend)
        let images = HostTensor(zeros: [2, encoderConfig.resolution, encoderConfig.resolution, 3])
        let forwards: [(String, () throws -> Void)] = [
            (
                "generator",
                {
                    _ = try backend.download(
                        generator(backend.upload(Latents.normal(count: 2, dimension: 120, seed: 3))).image)
                }
            ),
            (
                "encoder",
                {
                    let out = try encoder(backend.upload(images), noiseSeed: 4)
                    _ = try backend.download([out.zSample, out.bnCreluFeat])
                }
            ),
        ]
        for (name, forward) in forwards {
            let start = backend.resourceCounters
            try forward()
            // The counters do count: the first forward compiles this model's kernels.
            #expect((backend.resourceCounters - start).pipelinesCreated > 0, "\(name)")
            let before = backend.resourceCounters
            try forward()
            let added = backend.resourceCounters - before
            #expect(
                added
                    == ResourceCounters(
                        memoryBlocksAllocated: 0, pipelinesCreated: 0, descriptorPoolsCreated: 0, submissions: 1,
                        hostWaits: 1),
                "\(name), alwaysStage \(alwaysStage): \(added)")
        }
    }
}
