import CGlslang
import Synchronization

/// GLSL → SPIR-V through glslang's C API, targeting Vulkan 1.2 / SPIR-V 1.5 (the same words as
/// `glslangValidator -V --target-env vulkan1.2`).
public enum ShaderCompiler {
    private static let initialized: Bool = glslang_initialize_process() != 0

    /// Compiles one compute shader. `name` only labels errors.
    public static func compile(source: String, name: String) throws -> [UInt32] {
        guard initialized else { throw VulkanError.shaderCompilation(name: name, log: "glslang failed to initialise") }
        return try source.withCString { code -> [UInt32] in
            var input = glslang_input_t()
            input.language = GLSLANG_SOURCE_GLSL
            input.stage = GLSLANG_STAGE_COMPUTE
            input.client = GLSLANG_CLIENT_VULKAN
            input.client_version = GLSLANG_TARGET_VULKAN_1_2
            input.target_language = GLSLANG_TARGET_SPV
            input.target_language_version = GLSLANG_TARGET_SPV_1_5
            input.code = code
            input.default_version = 450
            input.default_profile = GLSLANG_NO_PROFILE
            input.force_default_version_and_profile = 0
            input.forward_compatible = 0
            input.messages = glslang_messages_t(
                GLSLANG_MSG_DEFAULT_BIT.rawValue | GLSLANG_MSG_SPV_RULES_BIT.rawValue
                    | GLSLANG_MSG_VULKAN_RULES_BIT.rawValue)
            input.resource = glslang_default_resource()

            guard let shader = glslang_shader_create(&input) else {
                throw VulkanError.shaderCompilation(name: name, log: "glslang_shader_create failed")
            }
            defer { glslang_shader_delete(shader) }
            guard glslang_shader_preprocess(shader, &input) != 0 else {
                throw VulkanError.shaderCompilation(
                    name: name, log: String(cString: glslang_shader_get_info_log(shader)))
            }
            guard glslang_shader_parse(shader, &input) != 0 else {
                throw VulkanError.shaderCompilation(
                    name: name, log: String(cString: glslang_shader_get_info_log(shader)))
            }
            guard let program = glslang_program_create() else {
                throw VulkanError.shaderCompilation(name: name, log: "glslang_program_create failed")
            }
            defer { glslang_program_delete(program) }
            glslang_program_add_shader(program, shader)
            guard
                glslang_program_link(
                    program,
                    Int32(bitPattern: GLSLANG_MSG_SPV_RULES_BIT.rawValue | GLSLANG_MSG_VULKAN_RULES_BIT.rawValue)) != 0
            else {
                throw VulkanError.shaderCompilation(
                    name: name, log: String(cString: glslang_program_get_info_log(program)))
            }
            glslang_program_SPIRV_generate(program, GLSLANG_STAGE_COMPUTE)
            let words = glslang_program_SPIRV_get_size(program)  // counts 32-bit words, not bytes
            var spirv = [UInt32](repeating: 0, count: words)
            spirv.withUnsafeMutableBufferPointer { glslang_program_SPIRV_get(program, $0.baseAddress) }
            if let messages = glslang_program_SPIRV_get_messages(program), messages.pointee != 0 {
                throw VulkanError.shaderCompilation(name: name, log: String(cString: messages))
            }
            return spirv
        }
    }
}
