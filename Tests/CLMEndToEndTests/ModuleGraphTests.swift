import Foundation
import Testing

/// The module graph in Package.swift is the one docs/architecture.md draws:
/// every target lists exactly the modules it imports, C modules are imported
/// only by the wrapper layer, stages never import each other, and nothing
/// imports a layer above its own.
@Suite struct ModuleGraphTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Bottom to top, as in Package.swift's layer comment.
    static let layers: [String: Int] = [
        "COpenSSL": 0, "CCurl": 0, "CSQLite": 0, "CPostgres": 0, "CShims": 0,
        "CLMCore": 1, "CLMCrypto": 1, "CLMHTTP": 1, "CLMSQLite": 1, "CLMPostgres": 1,
        "CLMInventory": 2,
        "CLMDiscover": 3, "CLMRequest": 3, "CLMDeploy": 3, "CLMAudit": 3, "CLMReport": 3,
        "CLMLifecycle": 4,
        "clm": 5,
    ]
    static let cModules: Set = ["COpenSSL", "CCurl", "CSQLite", "CPostgres", "CShims"]
    static let wrappers: Set = ["CLMCore", "CLMCrypto", "CLMHTTP", "CLMSQLite", "CLMPostgres"]
    static let stages: Set = ["CLMDiscover", "CLMRequest", "CLMDeploy", "CLMAudit", "CLMReport"]

    struct Target {
        let name: String
        let dependencies: Set<String>
        let directory: URL
    }

    /// The Swift targets of Package.swift (not the C ones) with their declared dependencies (products by name).
    static func targets() throws -> [Target] {
        let manifest = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        return manifest.ranges(of: #/\.(target|testTarget|executableTarget)\(/#).compactMap { start -> Target? in
            // The declaration runs to its closing parenthesis.
            var depth = 0
            var end = start.upperBound
            for index in manifest[start.lowerBound...].indices {
                if manifest[index] == "(" { depth += 1 }
                if manifest[index] == ")" { depth -= 1 }
                if depth == 0 && manifest[index] == ")" { end = index; break }
            }
            let text = String(manifest[start.lowerBound..<end])
            guard let name = text.firstMatch(of: #/name:\s*"([A-Za-z-]+)"/#).map({ String($0.output.1) }), name != "EmbedMigrationsTool", !cModules.contains(name) else {
                return nil
            }
            let dependencies = text.firstRange(of: "dependencies:").map { range -> Set<String> in
                let list = text[range.upperBound...].prefix { $0 != "]" }
                let plain = list.matches(of: #/"([A-Za-z]+)"/#).map { String($0.output.1) }
                let products = list.matches(of: #/\.product\(name:\s*"([A-Za-z]+)"/#).map { String($0.output.1) }
                return Set(plain).union(products)
            } ?? []
            let path = text.firstMatch(of: #/path:\s*"([^"]+)"/#).map { String($0.output.1) }
            let directory = path ?? (text.hasPrefix(".testTarget") ? "Tests/" : "Sources/") + name
            return Target(name: name, dependencies: dependencies, directory: root.appendingPathComponent(directory))
        }
    }

    /// Modules imported by the Swift files under `directory` that this package can provide.
    static func imports(under directory: URL, known: Set<String>) throws -> Set<String> {
        var found = Set<String>()
        let files = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "swift" else { continue }
            for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") where line.contains("import ") {
                guard let match = line.wholeMatch(of: #/(?:@testable |public |internal |package )?import ([A-Za-z]+)/#) else { continue }
                let module = String(match.output.1)
                if known.contains(module) { found.insert(module) }
            }
        }
        return found
    }

    @Test func everyTargetListsExactlyWhatItImports() throws {
        let targets = try Self.targets()
        #expect(targets.count >= 20, "Package.swift not parsed: \(targets.map(\.name))")
        let known = Set(targets.map(\.name)).union(Self.cModules).union(["Yams", "ArgumentParser"])
        for target in targets {
            let imported = try Self.imports(under: target.directory, known: known)
            #expect(imported.subtracting(target.dependencies).isEmpty,
                    "\(target.name) imports \(imported.subtracting(target.dependencies).sorted()) without declaring it")
            #expect(target.dependencies.subtracting(imported).isEmpty,
                    "\(target.name) declares \(target.dependencies.subtracting(imported).sorted()) and never imports it")
        }
    }

    @Test func layersPointDownAndCStaysInTheWrappers() throws {
        for target in try Self.targets() {
            guard let layer = Self.layers[target.name] else { continue }
            for dependency in target.dependencies {
                if Self.cModules.contains(dependency) {
                    #expect(Self.wrappers.contains(target.name), "\(target.name) uses the C module \(dependency) above the wrapper layer")
                }
                guard let below = Self.layers[dependency] else { continue }
                #expect(below < layer || (below == layer && dependency == "CLMCore"),
                        "\(target.name) (layer \(layer)) depends on \(dependency) (layer \(below))")
            }
            if Self.stages.contains(target.name) {
                #expect(target.dependencies.isDisjoint(with: Self.stages), "the stage \(target.name) depends on another stage")
            }
        }
    }
}
