import BigBiGANIO
import FileAccess
import Foundation
import Tensors

/// Threads that decode, crop and resize the images of a run's batches while the caller computes on earlier ones,
/// handing the batches back in order (`next()`), so the result does not depend on their number. They take images
/// one at a time, so all of them work on the oldest batch first, and decode at most `window` batches ahead of the
/// caller: 2 batches plus 2 images per thread, so memory depends on the batch size and the thread count, not on the
/// number of inputs.
final class DecodeWorkers: @unchecked Sendable {
    /// A batch's images, decoded.
    struct Batch {
        /// Its position among the batches given.
        let position: Int
        /// The images that could be read, [n, R, R, 3] in [-1, 1]; nil when none could.
        let images: HostTensor?
        /// The input (index into the files) of each image of `images`, in order.
        let decoded: [Int]
        /// The inputs that could not be read, in order, with the reason.
        let failures: [(input: Int, error: any Error)]
    }

    private let files: [SystemPath]
    /// The inputs of each batch, in the order they are handed back.
    private let batches: [Range<Int>]
    /// `starts[k]`: the images before batch k among those of all batches; one more entry, the total.
    private let starts: [Int]
    private let resolution: Int
    private let window: Int

    private let condition = NSCondition()
    private let finished = DispatchGroup()
    // Guarded by `condition`:
    /// The next image (counted over all batches) that a thread takes, and its batch.
    private var nextImage = 0
    private var nextImageBatch = 0
    /// The batches handed back so far.
    private var handedBack = 0
    private var results: [Int: Result<HostTensor, any Error>] = [:]
    private var stopped = false
    private var cpuSeconds = 0.0
    private var imagesDone = 0

    /// Starts `threads` threads decoding the images `files[batch]` of each of `batches` at `resolution`.
    init(files: [SystemPath], batches: [Range<Int>], resolution: Int, batchSize: Int, threads: Int) {
        self.files = files
        self.batches = batches
        var starts = [0]
        for batch in batches { starts.append(starts.last! + batch.count) }
        self.starts = starts
        self.resolution = resolution
        window = 2 + (2 * threads + batchSize - 1) / batchSize
        for _ in 0 ..< threads {
            finished.enter()
            let thread = Thread { [self] in
                work()
                finished.leave()
            }
            // libjpeg and libpng keep their state on the heap; the default secondary-thread stack is enough, but
            // the resize keeps a few rows of weights on the stack.
            thread.stackSize = 4 << 20
            thread.start()
        }
    }

    /// The next batch, in order, once all its images are decoded (or failed); nil after the last.
    func next() throws -> Batch? {
        condition.lock()
        let position = handedBack
        guard position < batches.count else {
            condition.unlock()
            return nil
        }
        let images = starts[position] ..< starts[position + 1]
        while !images.allSatisfy({ results[$0] != nil }) { condition.wait() }
        let outcomes = images.map { results.removeValue(forKey: $0)! }
        handedBack += 1
        condition.broadcast()
        condition.unlock()

        var decoded: [Int] = []
        var failures: [(input: Int, error: any Error)] = []
        var data: [Float] = []
        data.reserveCapacity(images.count * resolution * resolution * 3)
        for (offset, outcome) in outcomes.enumerated() {
            let input = batches[position].lowerBound + offset
            switch outcome {
            case .success(let image):
                data += image.data
                decoded.append(input)
            case .failure(let error): failures.append((input, error))
            }
        }
        let tensor =
            decoded.isEmpty ? nil : try HostTensor(shape: [decoded.count, resolution, resolution, 3], data: data)
        return Batch(position: position, images: tensor, decoded: decoded, failures: failures)
    }

    /// Stops the threads after the images they are decoding and waits for them. Call it once the batches are no
    /// longer wanted, whether or not all were handed back.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
        finished.wait()
    }

    /// The processor time the threads spent decoding, cropping and resizing, and the images they handled (read or
    /// not): per image, what one core needs.
    var cost: (cpuSeconds: Double, images: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (cpuSeconds, imagesDone)
    }

    private func work() {
        while let (image, input) = claim() {
            let start = Self.threadCPUSeconds()
            let result = Result { () throws -> HostTensor in
                // JPEGs 16× the resolution or more are decoded at a reduced scale, keeping at least 8× it.
                try ImageFile.read(files[input], shortSideAtLeast: 8 * resolution)
                    .modelInput(resolution: resolution)
            }
            let seconds = Self.threadCPUSeconds() - start
            condition.lock()
            results[image] = result
            cpuSeconds += seconds
            imagesDone += 1
            condition.broadcast()
            condition.unlock()
        }
    }

    /// The processor time of the calling thread, in seconds.
    private static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    /// The next image to decode and its input, waiting while it lies `window` batches or more ahead of the caller;
    /// nil once every image is taken or the workers are stopped.
    private func claim() -> (image: Int, input: Int)? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if stopped || nextImage == starts.last! { return nil }
            while starts[nextImageBatch + 1] <= nextImage { nextImageBatch += 1 }
            if nextImageBatch < handedBack + window {
                let image = nextImage
                nextImage += 1
                return (image, batches[nextImageBatch].lowerBound + image - starts[nextImageBatch])
            }
            condition.wait()
        }
    }
}
