/// Element and byte counts of a shape read from a file, with overflow reported instead of trapping.
enum ElementCount {
    /// The product of `dims` times `bytesPerElement`, or nil on a negative dimension or overflow.
    static func bytes(of dims: [Int], bytesPerElement: Int) -> Int? {
        var total = bytesPerElement
        for dim in dims {
            guard dim >= 0 else { return nil }
            let (product, overflow) = total.multipliedReportingOverflow(by: dim)
            guard !overflow else { return nil }
            total = product
        }
        return total
    }
}
