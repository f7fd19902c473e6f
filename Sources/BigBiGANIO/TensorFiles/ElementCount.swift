/// Element and byte counts of a shape read from a file, with overflow reported instead of trapping.
enum ElementCount {
    /// The product of `dims` times `bytesPerElement`, or nil on a negative dimension or overflow. As in NumPy, the
    /// non-zero dimensions must multiply without overflow even when another is zero: a shape such as (0, 2⁴⁰, 2⁴⁰)
    /// holds no data, but counting the elements of one sample (2⁸⁰) would trap.
    static func bytes(of dims: [Int], bytesPerElement: Int) -> Int? {
        var total = bytesPerElement
        for dim in dims where dim != 0 {
            guard dim > 0 else { return nil }
            let (product, overflow) = total.multipliedReportingOverflow(by: dim)
            guard !overflow else { return nil }
            total = product
        }
        return dims.contains(0) ? 0 : total
    }
}
