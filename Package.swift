// swift-tools-version: 6.1
// keyscope — intrinsic text bias in multimodal LLMs, measured in attention key space.
// Targets follow DESIGN §2: system-library shims, Math, Protocol, Model, Worker, Coordinator, CLI.
import PackageDescription

let optimize: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release))]

let package = Package(
    name: "keyscope",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "keyscope", targets: ["keyscope"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // MARK: System-library shims (one per library, header + module map only)
        .systemLibrary(name: "CZeroMQ", pkgConfig: "libzmq", providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // setjmp/longjmp error handling for libjpeg/libpng must live in C.
        .target(name: "CImageSupport", linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png")]),
        // BF16-weight GEMM kernels; -O3 also in debug so tests and benches run the real kernel speed.
        .target(name: "CBF16Kernels", cSettings: [.unsafeFlags(["-O3"])]),

        // MARK: Libraries
        .target(name: "Math", dependencies: ["COpenBLAS", "CBF16Kernels"], swiftSettings: optimize),
        .target(name: "Protocol", dependencies: ["CZeroMQ", "Math"], swiftSettings: optimize),
        .target(name: "Model", dependencies: ["Math", "CImageSupport"], swiftSettings: optimize),
        .target(name: "Worker", dependencies: ["Model", "Protocol", "Math"], swiftSettings: optimize),
        .target(name: "Coordinator", dependencies: ["Protocol", "Math", "CSQLite"], swiftSettings: optimize),
        .target(name: "CLI", dependencies: [
            "Math", "Model", "Protocol", "Worker", "Coordinator",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: optimize),
        .executableTarget(name: "keyscope", dependencies: ["CLI"]),

        // MARK: Tests (one per library; fixtures are small, committed and regenerable by scripts/)
        .testTarget(name: "MathTests", dependencies: ["Math"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ProtocolTests", dependencies: ["Protocol"]),
        .testTarget(name: "ModelTests", dependencies: ["Model"], resources: [.copy("Fixtures")]),
        .testTarget(name: "WorkerTests", dependencies: ["Worker", "Coordinator"]),  // + in-process cluster tests
        .testTarget(name: "CoordinatorTests", dependencies: ["Coordinator"]),
        .testTarget(name: "CLITests", dependencies: ["CLI"]),
    ]
)
