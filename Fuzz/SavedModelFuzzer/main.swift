import Foundation
import FuzzerDriver

// libFuzzer over the saved_model.pb reader: protobuf wire decoding, then SavedModel → MetaGraphDef (meta info,
// signatures, tensor infos) → GraphDef (nodes, attr values, shapes, tensor summaries); each signature output is then
// traced back through the graph as `bigbigan inspect` does. Built and run by tools/fuzz.sh.
@testable import TensorFlowGraph

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(
    fuzzer_run(&argc, &argv) { data, size in
        let bytes = Array(UnsafeBufferPointer(start: data, count: size))
        // tfhub_module.pb: a ModuleDef whose field 1 is the format.
        _ = try? ProtoMessage(bytes).int64(1)
        guard let model = try? TFSavedModel(bytes: bytes) else { return 0 }
        for metaGraph in model.metaGraphs {
            for node in metaGraph.graph.nodes {
                _ = node.dataInputNodes
                for value in node.attrs.values { _ = value.description }
            }
            for signature in metaGraph.signatures {
                for output in signature.outputs {
                    _ = output.shape?.elementCount
                    _ = TFOutputTrace(graph: metaGraph.graph, inputs: signature.inputs, output: output)
                }
            }
        }
        return 0
    })
