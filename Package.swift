// swift-tools-version:6.0
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Inlet",
    products: [
        .executable(name: "inlet", targets: ["inlet"]),
        .library(name: "Inlet", targets: ["Inlet"]),
    ],
    targets: [
        .systemLibrary(
            name: "CCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "Inlet",
            dependencies: ["CCrypto", "CSQLite", "CZlib"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "inlet",
            dependencies: ["Inlet"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "InletTests",
            dependencies: ["Inlet"],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
