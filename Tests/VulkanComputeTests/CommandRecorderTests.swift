import Testing

@testable import VulkanCompute

@Suite("command recorder")
struct CommandRecorderTests {
    @Test func hazardTrackerFindsOnlyRealHazards() {
        var t = HazardTracker()
        let buffer = ObjectIdentifier(HazardTrackerTag())
        func access(_ start: UInt64, _ end: UInt64, reads: Bool, writes: Bool) -> HazardTracker.Access {
            .init(buffer: buffer, start: start, end: end, reads: reads, writes: writes)
        }
        t.record([access(0, 100, reads: true, writes: false), access(100, 200, reads: false, writes: true)])
        #expect(!t.needsBarrier([access(0, 100, reads: true, writes: false)]), "read after read")
        #expect(!t.needsBarrier([access(200, 300, reads: false, writes: true)]), "disjoint write")
        #expect(t.needsBarrier([access(150, 160, reads: true, writes: false)]), "read after write")
        #expect(t.needsBarrier([access(50, 60, reads: false, writes: true)]), "write after read")
        #expect(t.needsBarrier([access(199, 250, reads: false, writes: true)]), "write after write")
        t.barrier()
        #expect(!t.needsBarrier([access(0, 300, reads: true, writes: true)]))
    }

    /// Two independent dispatches need no barrier; a dependent one needs exactly one; results are right.
    @Test func recordsChainWithMinimalBarriers() throws {
        let context = try EngineFixture.context.get()
        let arena = try MemoryArena(context: context, kind: .device)
        let kernel = try EngineFixture.addOne(context)
        let n = 1000
        let x = try arena.allocate(bytes: n * 4)
        let y = try arena.allocate(bytes: n * 4)
        let z = try arena.allocate(bytes: n * 4)
        let w = try arena.allocate(bytes: n * 4)
        EngineFixture.write((0 ..< n).map(Float.init), to: x)
        let recorder = try CommandRecorder(context: context, timing: true)
        let groups = (x: (n + 63) / 64, y: 1, z: 1)
        try recorder.dispatch(
            kernel, bindings: [.init(x, access: .read), .init(y, access: .write)], push: EngineFixture.push(n),
            groups: groups, label: "x→y")
        try recorder.dispatch(
            kernel, bindings: [.init(x, access: .read), .init(z, access: .write)], push: EngineFixture.push(n),
            groups: groups, label: "x→z")
        #expect(recorder.barrierCount == 0)
        try recorder.dispatch(
            kernel, bindings: [.init(y, access: .read), .init(w, access: .write)], push: EngineFixture.push(n),
            groups: groups, label: "y→w")
        #expect(recorder.barrierCount == 1)
        #expect(recorder.submissionCount == 0 && recorder.hostWaitCount == 0)
        let timings = try recorder.submitAndWait()
        #expect(recorder.submissionCount == 1 && recorder.hostWaitCount == 1 && recorder.descriptorPoolCount == 1)
        try recorder.submitAndWait()
        #expect(recorder.submissionCount == 1, "nothing recorded, nothing submitted")
        #expect(EngineFixture.read(w, count: n) == (0 ..< n).map { Float($0) + 2 })
        #expect(EngineFixture.read(z, count: n) == (0 ..< n).map { Float($0) + 1 })
        if context.physicalDevice.features.timestamps {
            #expect(timings.map(\.label) == ["x→y", "x→z", "y→w"])
            #expect(timings.allSatisfy { $0.nanoseconds >= 0 })
        }
    }

    /// Memory whose Swift owners are gone before submission must stay alive until the fence (optimised builds may
    /// release an object right after its last Swift use, while recorded commands still reference its memory).
    /// With the validation layer on (CI), a freed buffer would be reported as VUID-vkCmdDispatch-None-02699.
    @Test func keepsMemoryAliveUntilTheFence() throws {
        let context = try EngineFixture.context.get()
        let recorder = try CommandRecorder(context: context)
        let kernel = try EngineFixture.addOne(context, scale: 2)
        let n = 4096
        let output = try MemoryArena(context: context, kind: .device).allocate(bytes: n * 4)
        do {
            let scratch = try MemoryArena(context: context, kind: .device, blockSize: 1 << 20)
            let input = try scratch.allocate(bytes: n * 4)
            EngineFixture.write([Float](repeating: 1, count: n), to: input)
            try recorder.dispatch(
                kernel, bindings: [.init(input, access: .read), .init(output, access: .write)],
                push: EngineFixture.push(n), groups: (n / 64, 1, 1))
        }  // the scratch arena and its allocation are released here, before the GPU has run
        try recorder.submitAndWait()
        #expect(EngineFixture.read(output, count: n).allSatisfy { $0 == 4 })
    }

    @Test func rejectsBadDispatches() throws {
        let context = try EngineFixture.context.get()
        let arena = try MemoryArena(context: context, kind: .device)
        let recorder = try CommandRecorder(context: context)
        let kernel = try EngineFixture.addOne(context)
        let a = try arena.allocate(bytes: 64)
        #expect(throws: VulkanError.self) {
            try recorder.dispatch(
                kernel, bindings: [.init(a, access: .read)], push: EngineFixture.push(1), groups: (1, 1, 1))
        }
        #expect(throws: VulkanError.self) {
            try recorder.dispatch(
                kernel, bindings: [.init(a, access: .read), .init(a, access: .write)], groups: (1, 1, 1))
        }
        #expect(throws: VulkanError.self) {
            try recorder.dispatch(
                kernel, bindings: [.init(a, access: .read), .init(a, access: .write)], push: EngineFixture.push(1),
                groups: (1 << 20, 1, 1))
        }
        #expect(throws: VulkanError.self) {
            try recorder.dispatch(
                kernel, bindings: [.init(a, offset: 32, byteCount: 64, access: .read), .init(a, access: .write)],
                push: EngineFixture.push(1), groups: (1, 1, 1))
        }
        #expect(recorder.commandCount == 0)
    }
}

private final class HazardTrackerTag {}
