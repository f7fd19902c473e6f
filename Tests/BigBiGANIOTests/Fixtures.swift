import Foundation

/// Small files made by other tools (Pillow 13, NumPy 2.4, safetensors 0.8), embedded as base64 so the tests need neither.
enum Fixtures {
    /// 3x2 8-bit greyscale PNG, rows [0, 128, 255] and [10, 20, 30].
    static let gray8PNG =
        "iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAAAAAC4HznGAAAAEElEQVR4nGNgaPjPyMXFBQAIQwGfsoMUBQAAAABJRU5ErkJggg=="
    /// 2x2 RGBA PNG: red (alpha 0), green (alpha 128), blue (alpha 255), (10, 20, 30) (alpha 40).
    static let rgbaPNG =
        "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAYAAABytg0kAAAAGklEQVR4nGP4z8DAwPCfoYGBgeH/fy4ROQ0ALbIE4S5X+SEAAAAASUVORK5CYII="
    /// 2x1 1-bit palette PNG with a tRNS chunk: red (transparent), blue.
    static let palettePNG =
        "iVBORw0KGgoAAAANSUhEUgAAAAIAAAABAQMAAADO7O3JAAAABlBMVEX/AAAAAP9sof2OAAAAAXRSTlMAQObYZgAAAApJREFUeNpjcAAAAEIAQYS/jmIAAAAASUVORK5CYII="
    /// 3x1 16-bit greyscale PNG: 0, 65535, 32896 (0x8080, which scales to 128).
    static let gray16PNG =
        "iVBORw0KGgoAAAANSUhEUgAAAAMAAAABEAAAAABuG5crAAAAD0lEQVR4nGNkYPj/v7ERAAiKAwIXCQOuAAAAAElFTkSuQmCC"
    /// 3x1 1-bit greyscale PNG: white, black, white.
    static let gray1PNG = "iVBORw0KGgoAAAANSUhEUgAAAAMAAAABAQAAAAAzmykZAAAACklEQVR4nGNYAAAAogCh3I2xzAAAAABJRU5ErkJggg=="

    /// `numpy.save` of `np.arange(6, dtype='<f4').reshape(2, 3) / 4`.
    static let float32NPY =
        "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAACAPgAAAD8AAEA/AACAPwAAoD8="
    /// `numpy.save` of `np.array([1.5, -2.25, 1e-3], dtype='<f8')`.
    static let float64NPY =
        "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAD4PwAAAAAAAALA/Knx0k1iUD8="
    /// `numpy.savez_compressed(weights=np.arange(12, dtype='<f4').reshape(3, 4), bias=np.array([0.5, -1], dtype='<f4'))`:
    /// deflated members with zip64 extra fields in the local headers.
    static let deflatedNPZ =
        "UEsDBC0AAAAIAAAAIQAtbyIm//////////8LABQAd2VpZ2h0cy5ucHkBABAAsAAAAAAAAABmAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6TZqKuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GsY6CiaaOgq1CmQDLgYwaLAHEg5ABMQNQLwAiA8A8QMgZnBkYBAAYgUgNnAEAFBLAwQtAAAACAAAACEAhKma7///////////CAAUAGJpYXMubnB5AQAQAIgAAAAAAAAATAAAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRupaBuk2airqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RpGOpo6CrUKFAAuBgYGewaGhv0AUEsBAi0DLQAAAAgAAAAhAC1vIiZmAAAAsAAAAAsAAAAAAAAAAAAAAIABAAAAAHdlaWdodHMubnB5UEsBAi0DLQAAAAgAAAAhAISpmu9MAAAAiAAAAAgAAAAAAAAAAAAAAIABowAAAGJpYXMubnB5UEsFBgAAAAACAAIAbwAAACkBAAAAAA=="
    /// `numpy.savez(a=np.array([[1, 2]], dtype='<f4'))`: one stored member.
    static let storedNPZ =
        "UEsDBC0AAAAAAAAAIQCxRkXq//////////8FABQAYS5ucHkBABAAiAAAAAAAAACIAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxmNCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgxLCAyKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAACAPwAAAEBQSwECLQMtAAAAAAAAACEAsUZF6ogAAACIAAAABQAAAAAAAAAAAAAAgAEAAAAAYS5ucHlQSwUGAAAAAAEAAQAzAAAAvwAAAAAA"
    /// `safetensors.numpy.save({'w': np.arange(6, dtype=np.float32).reshape(2, 3), 'b': np.array([-1.5], dtype=np.float32)},
    /// metadata={'format': 'np'})`.
    static let safetensors =
        "kAAAAAAAAAB7Il9fbWV0YWRhdGFfXyI6eyJmb3JtYXQiOiJucCJ9LCJiIjp7ImR0eXBlIjoiRjMyIiwic2hhcGUiOlsxXSwiZGF0YV9vZmZzZXRzIjpbMCw0XX0sInciOnsiZHR5cGUiOiJGMzIiLCJzaGFwZSI6WzIsM10sImRhdGFfb2Zmc2V0cyI6WzQsMjhdfX0gICAAAMC/AAAAAAAAgD8AAABAAABAQAAAgEAAAKBA"

    static func bytes(_ base64: String) -> Data {
        Data(base64Encoded: base64) ?? Data()
    }
}
