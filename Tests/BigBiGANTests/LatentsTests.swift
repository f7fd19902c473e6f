import BigBiGAN
import Tensors
import Testing

@Suite struct LatentsTests {
    /// Drawn a batch at a time, the rows are those of one draw of them all, so a streamed run matches a whole one.
    @Test func aStreamInBatchesGivesTheRowsOfOneDraw() throws {
        let whole = try Latents.normal(count: 7, dimension: 5, seed: 3)
        var stream = Latents.Stream(dimension: 5, seed: 3)
        let batches = try [3, 1, 3].map { try stream.next($0) }
        #expect(batches.flatMap(\.data) == whole.data)
    }

    /// NaN, infinities and values no N(0, 1) draw reaches are named with their place; draws pass.
    @Test func implausibleLatentsAreNamed() throws {
        #expect(Latents.problem(in: try Latents.normal(count: 100, dimension: 120, seed: 0)) == nil)
        for bad: Float in [.nan, .infinity, -.infinity, 1e30, -101] {
            var z = HostTensor(zeros: [3, 4])
            z.data[2 * 4 + 1] = bad
            let problem = try #require(Latents.problem(in: z))
            #expect(problem.contains("row 2, column 1"), "\(bad): \(problem)")
        }
    }
}
