/// The one product the probe needs, in two layouts: c += a·b for the logits (a = features) and c += aᵀ·b for the
/// weight gradient (a = features, b = the logits' gradient). Plain loops the compiler vectorises, blocked so that a
/// tile of `b` stays in cache while four rows of `c` are updated from it.
///
/// Every output is one running sum over k in increasing order (multiply, then add, never fused), whatever rows a call
/// covers: splitting the rows over cores changes no result.
enum MatrixProducts {
    /// Rows of `b` per tile.
    static let depthTile = 128

    /// c[i, j] += Σₖ a(i, k) · b[k, j] for i in `rows`, j < `columns`, k < `depth`, where a(i, k) is
    /// `a[i·aRowStride + k·aDepthStride]`, b is row-major `depth × columns` and row i of c starts at `c + i·columns`.
    static func addProducts(
        rows: Range<Int>, depth: Int, columns: Int, a: UnsafePointer<Float>, aRowStride: Int, aDepthStride: Int,
        b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>
    ) {
        for tileStart in stride(from: 0, to: depth, by: depthTile) {
            let tile = tileStart ..< min(depth, tileStart + depthTile)
            var i = rows.lowerBound
            while i + 4 <= rows.upperBound {
                let (c0, c1, c2, c3) = (
                    c + i * columns, c + (i + 1) * columns, c + (i + 2) * columns, c + (i + 3) * columns
                )
                for k in tile {
                    let a0 = a[i * aRowStride + k * aDepthStride]
                    let a1 = a[(i + 1) * aRowStride + k * aDepthStride]
                    let a2 = a[(i + 2) * aRowStride + k * aDepthStride]
                    let a3 = a[(i + 3) * aRowStride + k * aDepthStride]
                    let bk = b + k * columns
                    for j in 0 ..< columns {
                        let value = bk[j]
                        c0[j] += a0 * value
                        c1[j] += a1 * value
                        c2[j] += a2 * value
                        c3[j] += a3 * value
                    }
                }
                i += 4
            }
            while i < rows.upperBound {
                let ci = c + i * columns
                for k in tile {
                    let ai = a[i * aRowStride + k * aDepthStride]
                    let bk = b + k * columns
                    for j in 0 ..< columns { ci[j] += ai * bk[j] }
                }
                i += 1
            }
        }
    }
}
