import Tensors
import TestSupport
import Testing

@testable import TensorsVulkan

@Suite("upsampleNearest2x")
struct UpsampleNearestTests {
    @Test func referenceValues() throws {
        let cpu = CPUBackend()
        let x = try cpu.upload(HostTensor(shape: [1, 2, 2, 1], data: [1, 2, 3, 4]))
        let y = try cpu.download(cpu.upsampleNearest2x(x))
        #expect(y.shape == [1, 4, 4, 1])
        #expect(
            y.data == [
                1, 1, 2, 2,
                1, 1, 2, 2,
                3, 3, 4, 4,
                3, 3, 4, 4,
            ])
    }

    /// The op only copies values, so Vulkan must match exactly.
    @Test func parity() throws {
        var rng = SeededRandom(seed: 11)
        for shape: Shape in [[1, 1, 1, 1], [1, 7, 5, 3], [3, 4, 9, 5], [2, 6, 6, 8]] {
            try expectParity([rng.normalTensor(shape)], .exact, "\(shape)") { b, t in try b.upsampleNearest2x(t[0]) }
        }
    }

    /// 2 × 67 MB of output exceeds lavapipe's 128 MiB maxStorageBufferRange, so the dispatch is split by batch.
    @Test func outputLargerThanBindingRangeIsSplit() throws {
        let x = try HostTensor(shape: [2, 1024, 1024, 4], data: (0 ..< 8_388_608).map { Float($0 % 1009) - 504 })
        try expectParity([x], .exact, "[2,1024,1024,4]") { b, t in try b.upsampleNearest2x(t[0]) }
    }

    @Test func rejectsNonImageShapes() throws {
        for backend: any Backend in [CPUBackend(), try TestDevice.vulkan()] {
            let x = try backend.upload(HostTensor(zeros: [2, 3, 4]))
            #expect(throws: TensorError.self) { try backend.upsampleNearest2x(x) }
        }
    }
}
