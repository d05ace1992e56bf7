// libFuzzer entry point for the flow-line decoder, compiled into one binary with the
// library sources by Fuzz/run.sh (not part of the package build).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFlowDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var decoder = FlowDecoder()
    let line = UnsafeRawBufferPointer(start: data, count: size)
    if case .flow(let flow)? = try? decoder.decode(line) {
        // What the decoder accepts must render and decode back without trapping.
        let text = FlowJSON.line(flow)
        _ = try? decoder.decode(text)
        _ = FlowText.compactLine(flow)
        _ = EndpointGrouping.labels.key(for: flow.source)
    }
    return 0
}
