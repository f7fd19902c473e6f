import Foundation
import PackagePlugin

/// Builds the GLSL files of the top-level `Shaders/` folder into the target as `BuiltInShaders.files`, so a
/// `bigbigan` binary runs without the source tree.
@main
struct EmbedShaders: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let folder = context.package.directoryURL.appending(path: "Shaders")
        let shaders = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { ["comp", "glsl"].contains($0.pathExtension) }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "BuiltInShaders.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(shaders.count) shader files",
                executable: try context.tool(named: "ShaderEmbedder").url,
                arguments: [output.path] + shaders.map(\.path),
                inputFiles: shaders,
                outputFiles: [output]
            )
        ]
    }
}
