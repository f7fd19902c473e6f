/// An `AttrValue` of a graph node (`tensorflow/core/framework/attr_value.proto`).
public enum TFAttrValue: Sendable, Equatable, CustomStringConvertible {
    case string(String)
    case int(Int64)
    case float(Float)
    case bool(Bool)
    case type(TFDataType)
    case shape(TFTensorShape)
    case tensor(TFTensorSummary)
    case function(String)
    case placeholder(String)
    case list([TFAttrValue])
    /// No value set.
    case none

    init(_ m: ProtoMessage) throws(ProtobufError) {
        if let list = try m.message(1) {
            self = .list(try Self.list(list))
        } else if let s = try m.string(2) {
            self = .string(s)
        } else if let i = try m.int64(3) {
            self = .int(i)
        } else if let f = try m.float(4) {
            self = .float(f)
        } else if let b = try m.varint(5) {
            self = .bool(b != 0)
        } else if let t = try m.int64(6) {
            self = .type(TFDataType(t))
        } else if let shape = try m.message(7) {
            self = .shape(try TFTensorShape(shape))
        } else if let tensor = try m.message(8) {
            self = .tensor(try TFTensorSummary(tensor))
        } else if let p = try m.string(9) {
            self = .placeholder(p)
        } else if let f = try m.message(10) {
            self = .function(try f.string(1) ?? "")
        } else {
            self = .none
        }
    }

    /// A `ListValue`: s 2, i 3, f 4, b 5, type 6, shape 7, tensor 8, func 9.
    private static func list(_ m: ProtoMessage) throws(ProtobufError) -> [TFAttrValue] {
        var items: [TFAttrValue] = try m.strings(2).map { .string($0) }
        items += try m.varints(3).map { .int(Int64(bitPattern: $0)) }
        items += try m.floats(4).map { .float($0) }
        items += try m.varints(5).map { .bool($0 != 0) }
        items += try m.varints(6).map { .type(TFDataType(Int64(bitPattern: $0))) }
        for shape in try m.messages(7) { items.append(.shape(try TFTensorShape(shape))) }
        for tensor in try m.messages(8) { items.append(.tensor(try TFTensorSummary(tensor))) }
        for function in try m.messages(9) { items.append(.function(try function.string(1) ?? "")) }
        return items
    }

    public var description: String {
        switch self {
        case .string(let s): return "\"\(s)\""
        case .int(let i): return "\(i)"
        case .float(let f): return "\(f)"
        case .bool(let b): return "\(b)"
        case .type(let t): return t.description
        case .shape(let s): return s.description
        case .tensor(let t): return "\(t.dtype)\(t.shape)" + (t.values.map { " \($0.map { "\(Float($0))" })" } ?? "")
        case .function(let f): return "func \(f)"
        case .placeholder(let p): return "$\(p)"
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .none: return "none"
        }
    }
}

/// A `NodeDef`: one operation of a TF graph.
public struct TFNode: Sendable {
    public let name: String
    public let op: String
    /// Inputs as written in the graph: `node`, `node:index`, or `^node` for control dependencies.
    public let inputs: [String]
    public let device: String
    public let attrs: [String: TFAttrValue]

    init(_ m: ProtoMessage) throws(ProtobufError) {
        name = try m.string(1) ?? ""
        op = try m.string(2) ?? ""
        inputs = try m.strings(3)
        device = try m.string(4) ?? ""
        var attrs: [String: TFAttrValue] = [:]
        for (key, value) in try m.stringMap(5) { attrs[key] = try TFAttrValue(value) }
        self.attrs = attrs
    }

    /// Names of the nodes whose outputs this node reads (control dependencies excluded).
    public var dataInputNodes: [String] {
        inputs.compactMap { input in
            input.hasPrefix("^") ? nil : TFNode.nodeName(ofTensor: input)
        }
    }

    /// `"scope/op:1"` → `"scope/op"`; `"^scope/op"` → `"scope/op"`.
    public static func nodeName(ofTensor tensor: String) -> String {
        let name = tensor.hasPrefix("^") ? String(tensor.dropFirst()) : tensor
        guard let colon = name.lastIndex(of: ":"), name[name.index(after: colon)...].allSatisfy(\.isNumber),
            name.index(after: colon) < name.endIndex
        else { return name }
        return String(name[..<colon])
    }
}

/// A `GraphDef`: its nodes (in file order) and how many library functions it carries (not inspected).
public struct TFGraph: Sendable {
    public let nodes: [TFNode]
    public let functionCount: Int
    /// `versions.producer`: the GraphDef version of the TF that wrote it.
    public let producer: Int64?
    private let index: [String: Int]

    init(_ m: ProtoMessage) throws(ProtobufError) {
        var nodes: [TFNode] = []
        for node in try m.messages(1) { nodes.append(try TFNode(node)) }
        self.nodes = nodes
        functionCount = try m.message(2).map { $0.all(1).count } ?? 0
        producer = try m.message(4)?.int64(1)
        index = Dictionary(nodes.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The node called `name`, if the graph has one.
    public func node(named name: String) -> TFNode? { index[name].map { nodes[$0] } }
}
