// swift-tools-version: 6.0
import PackageDescription

let package = Package(
  name: "nabla",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "nabla", targets: ["nabla"]),
    .executable(name: "nabla-bench", targets: ["nabla-bench"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
  ],
  targets: [
    .systemLibrary(name: "CReadline", path: "Sources/CReadline"),
    .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
    .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
    .target(name: "NablaTensor", dependencies: ["COpenBLAS", "CZlib"]),
    .target(name: "NablaAutodiff", dependencies: ["NablaTensor"]),
    // Derivatives as formulas: the recorded backward pass read back as matrix notation.
    .target(name: "NablaSymbolic", dependencies: ["NablaTensor", "NablaAutodiff"]),
    .target(name: "NablaLanguage", dependencies: ["NablaTensor", "NablaAutodiff", "NablaSymbolic"]),
    .target(name: "NablaSession", dependencies: ["NablaTensor", "NablaAutodiff", "NablaSymbolic", "NablaLanguage"]),
    // Runs other programs for the end-to-end tests and the bench (not part of nabla itself).
    .target(name: "NablaChildProcess"),
    .executableTarget(
      name: "nabla",
      dependencies: [
        "NablaSession", "NablaLanguage", "CReadline",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    // libFuzzer target (`make fuzz`); a plain build replays files through the same entry point.
    .executableTarget(
      name: "nabla-fuzz", dependencies: ["NablaSession"], path: "Fuzz", exclude: ["corpus", "nabla.dict"]),
    .executableTarget(
      name: "nabla-bench",
      dependencies: ["NablaSession", "NablaLanguage", "NablaAutodiff", "NablaTensor", "NablaChildProcess"]),
    .testTarget(name: "NablaTensorTests", dependencies: ["NablaTensor"], exclude: ["Fixtures"]),
    .testTarget(name: "NablaAutodiffTests", dependencies: ["NablaAutodiff", "NablaTensor"]),
    .testTarget(name: "NablaSymbolicTests", dependencies: ["NablaSymbolic", "NablaLanguage", "NablaAutodiff", "NablaTensor"]),
    .testTarget(
      name: "NablaLanguageTests", dependencies: ["NablaLanguage", "NablaAutodiff", "NablaTensor"],
      resources: [.copy("Fixtures")]),
    .testTarget(name: "NablaSessionTests", dependencies: ["NablaSession", "NablaLanguage"]),
    .testTarget(name: "nablaTests", dependencies: ["NablaSession", "NablaChildProcess"]),
  ],
  swiftLanguageModes: [.v5]
)
