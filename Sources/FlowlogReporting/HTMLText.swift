import FlowlogModel

/// Escaped HTML and SVG fragments shared by the HTML report's sections and charts.
enum HTMLText {
    /// The characters after which a name may break across lines: the separators of namespaces,
    /// workloads, label keys and values, and lists. A browser breaks nowhere else in a name.
    static let nameSeparators: Set<Unicode.Scalar> = ["/", "-", ".", "=", ","]

    /// `text` escaped so that a browser breaks it across lines only after a separator or at a
    /// space: each piece up to a separator is a `<span class="k">` that never wraps inside
    /// (browsers would otherwise also break after `"`, `?`, `}` and the like), followed by a
    /// `<wbr>`, a line-break opportunity. A long name thus wraps at `production/app=api,` rather
    /// than overflowing or breaking mid-word.
    ///
    /// A list (`TCP/443,UDP/53`) passes `after: [","]`, so its items stay whole.
    ///
    /// The text is cut into pieces first and each piece escaped on its own, so no tag can land
    /// inside an entity such as `&quot;`.
    static func breakable(_ text: String, after separators: Set<Unicode.Scalar> = nameSeparators) -> String {
        var html = ""
        var piece = ""
        func flush(separator: Bool) {
            guard !piece.isEmpty else { return }
            html += "<span class=\"k\">" + TextEscaping.html(piece) + "</span>" + (separator ? "<wbr>" : "")
            piece = ""
        }
        for scalar in text.unicodeScalars {
            if scalar == " " {
                flush(separator: false)
                html += " "
                continue
            }
            piece.unicodeScalars.append(scalar)
            if separators.contains(scalar) { flush(separator: true) }
        }
        flush(separator: false)
        return html
    }

    /// A UTC time that never wraps (its `-` and `:` would otherwise let it).
    static func time(_ timestamp: Timestamp) -> String {
        "<span class=\"t\">\(TextEscaping.html(ReportText.time(timestamp)))</span>"
    }

    /// `text` cut to `limit` characters, the last one an ellipsis, for a chart label whose full
    /// text goes into a `<title>`.
    static func shortened(_ text: String, to limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(max(limit - 1, 0))) + "…"
    }

    /// `count / whole` held within 0...1, so a negative count (a damaged database) cannot push a
    /// bar outside its chart or make a scaled value trap.
    static func fraction(_ count: Int64, of whole: Int64) -> Double {
        guard whole > 0 else { return 0 }
        return min(max(Double(count) / Double(whole), 0), 1)
    }

    /// An SVG coordinate or length with at most one decimal (`12`, `12.5`); 0 for a value that is
    /// not finite.
    static func number(_ value: Double) -> String {
        guard value.isFinite, abs(value) < 1e12 else { return "0" }
        let tenths = Int64((value * 10).rounded())
        let whole = tenths / 10, rest = abs(tenths % 10)
        let sign = tenths < 0 && whole == 0 ? "-" : ""
        return rest == 0 ? "\(sign)\(whole)" : "\(sign)\(whole).\(rest)"
    }

    /// The opening tag of a chart: the `viewBox` makes it scale, the style keeps it within its
    /// column (`height: auto` keeps the viewBox's aspect ratio). `width` is its natural width on a
    /// wide screen.
    static func svgOpening(width: Double, height: Double, naturalWidth: Double, label: String) -> String {
        let ratio = naturalWidth / width
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 \(number(width)) \(number(height))\" "
            + "width=\"\(number(naturalWidth))\" height=\"\(number(height * ratio))\" "
            + "style=\"max-width:100%;height:auto\" role=\"img\" aria-label=\"\(TextEscaping.html(label))\">\n"
    }

    /// An approximate width of `text` in the charts' 12-unit sans-serif font, for layout.
    static func textWidth(_ text: String, fontSize: Double = 12) -> Double {
        Double(text.count) * fontSize * 0.58
    }
}
