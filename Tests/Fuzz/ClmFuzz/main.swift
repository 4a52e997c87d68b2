// libFuzzer driver for clm's parsers. Built only by `scripts/fuzz`
// (CLM_FUZZ=1 turns this target on in Package.swift) with ASan and
// coverage; this target alone links libFuzzer.
//
// SwiftPM gives an executable its own entry point, so instead of
// libFuzzer's `main` this calls LLVMFuzzerRunDriver. One binary, many
// targets: CLM_FUZZ_TARGET names the one to run.
import Foundation

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

nonisolated(unsafe) var selected = FuzzTarget.der

let fuzzOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32 = { data, size in
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selected.run(bytes)
    return 0
}

/// libFuzzer's own `main` (pulled in with its archive) wants this symbol.
@_cdecl("LLVMFuzzerTestOneInput")
func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 { fuzzOneInput(data, size) }

let name = ProcessInfo.processInfo.environment["CLM_FUZZ_TARGET"] ?? ""
guard let target = FuzzTarget(rawValue: name) else {
    FileHandle.standardError.write(Data("set CLM_FUZZ_TARGET to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
    exit(2)
}
selected = target
target.prepare()
var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
