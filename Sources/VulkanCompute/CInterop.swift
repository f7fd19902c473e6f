import CVulkan

#if canImport(Glibc)
    import Glibc
#endif

/// A NUL-terminated `char**` that lives until `deinit`, for `ppEnabled…Names` fields.
final class CStringArray {
    let pointers: [UnsafePointer<CChar>?]
    private let owned: [UnsafeMutablePointer<CChar>]

    init(_ strings: [String]) {
        owned = strings.map { strdup($0)! }
        pointers = owned.map { UnsafePointer($0) }
    }

    deinit {
        for pointer in owned { free(pointer) }
    }

    var count: UInt32 { UInt32(pointers.count) }
}

/// Decodes a fixed-size C `char[N]` field, imported as a tuple, into a String.
func string<T>(fromCTuple tuple: T) -> String {
    withUnsafeBytes(of: tuple) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
}

/// Vulkan's packed version number: variant (3 bits), major (7), minor (10), patch (12).
public struct VulkanVersion: Sendable, CustomStringConvertible, Comparable {
    public let major: UInt32, minor: UInt32, patch: UInt32
    public init(packed: UInt32) {
        major = (packed >> 22) & 0x7F
        minor = (packed >> 12) & 0x3FF
        patch = packed & 0xFFF
    }
    public init(_ major: UInt32, _ minor: UInt32, _ patch: UInt32 = 0) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }
    public var packed: UInt32 { (major << 22) | (minor << 12) | patch }
    public var description: String { "\(major).\(minor).\(patch)" }
    public static func < (a: VulkanVersion, b: VulkanVersion) -> Bool { a.packed < b.packed }
}

/// Builds a `VkStructureType` from its raw value, for structure types the Swift importer spells awkwardly.
extension VkStructureType {
    init(_ raw: Int) { self.init(rawValue: UInt32(raw)) }
}
