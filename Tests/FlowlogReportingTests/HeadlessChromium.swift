import Foundation
import FlowlogTestSupport

/// Lays out an HTML page in headless Chromium at a given viewport width and returns what a
/// measuring script found in it.
///
/// The page goes, unchanged (its Content-Security-Policy forbids scripts), into the `srcdoc` of
/// an iframe exactly `width` CSS pixels wide; a script in the outer page measures the frame's
/// document once it has loaded and writes its findings, as JSON, into the outer page, which
/// `--dump-dom` prints. The iframe is what makes narrow widths possible: Chromium does not make a
/// window narrower than 500 pixels.
struct HeadlessChromium {
    /// The browser binary: `$FLOWLOG_TEST_CHROMIUM`, else the first of the usual names on `PATH`.
    static let binary: String? = {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["FLOWLOG_TEST_CHROMIUM"], !path.isEmpty { return path }
        let directories = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
            for directory in directories {
                let path = "\(directory)/\(name)"
                if FileManager.default.isExecutableFile(atPath: path) { return path }
            }
        }
        return nil
    }()

    /// What the measuring script reports (see `measuringScript`).
    struct Findings: Decodable {
        struct Chart: Decodable {
            var label: String
            var viewBox: String?
            var left: Double, right: Double, width: Double, height: Double
        }
        /// The frame's viewport width, which should be the width asked for.
        var innerWidth: Double
        /// The width the page's content can use (the viewport less a vertical scroll bar).
        var clientWidth: Double
        /// The width of the page's content: above `clientWidth` the page scrolls sideways.
        var scrollWidth: Double
        var charts: [Chart]
        /// Elements outside the page's width that are not inside a scrolling box.
        var outside: [String]
        /// Times (`.t`) laid out on more than one line.
        var wrappedTimes: [String]
        /// Line breaks in names after a character that is not a separator or a space, as
        /// `text before|text after`.
        var midTokenBreaks: [String]
        /// Tables not inside a box that scrolls sideways.
        var unboxedTables: Int
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let binary: String

    /// Lays `page` out `width` pixels wide and measures it.
    /// - Throws: ``Failure`` when Chromium fails, hangs for a minute or prints no findings.
    func measure(_ page: String, width: Int, in directory: TemporaryDirectory) throws -> Findings {
        let outer = """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><style>body { margin: 0 } iframe { border: 0; display: block }</style>
            <script>\(Self.measuringScript)</script></head>
            <body><iframe id="report" style="width: \(width)px; height: 900px" srcdoc="\(Self.attribute(page))"></iframe></body></html>
            """
        let file = try directory.write("page-\(width).html", outer)
        let output = try run(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                              "--user-data-dir=\(directory.path("chromium-\(width)"))",
                              "--window-size=\(max(width, 500) + 40),1000", "--virtual-time-budget=5000",
                              "--dump-dom", URL(fileURLWithPath: file).absoluteString])
        guard let start = output.range(of: "<pre id=\"findings\">"),
              let end = output.range(of: "</pre>", range: start.upperBound..<output.endIndex) else {
            throw Failure(description: "chromium printed no findings:\n\(output.prefix(2000))")
        }
        // `--dump-dom` serialises the text with &, < and > (and no-break spaces) as entities.
        let json = output[start.upperBound..<end.lowerBound]
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&nbsp;", with: "\u{A0}").replacingOccurrences(of: "&amp;", with: "&")
        do {
            return try JSONDecoder().decode(Findings.self, from: Data(json.utf8))
        } catch {
            throw Failure(description: "unreadable findings (\(error)):\n\(json)")
        }
    }

    /// Runs the browser, killing it after a minute; returns its standard output.
    private func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let timer = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: timer)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        timer.cancel()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw Failure(description: "\(binary) exited with status \(process.terminationStatus) (\(process.terminationReason == .exit ? "exit" : "killed"))")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// `text` as a double-quoted attribute value.
    private static func attribute(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// Measures the frame's document: its widths, each SVG's box, elements past the right edge
    /// (outside scrolling boxes and SVGs), times on two lines, and every line break inside a name
    /// (table cells of class `name` or `why`), found by comparing the position of
    /// each character with the one before it.
    static let measuringScript = #"""
        window.addEventListener('load', function () {
          var frame = document.getElementById('report');
          var doc = frame.contentDocument, win = frame.contentWindow, root = doc.documentElement;
          var width = root.clientWidth;
          var found = { innerWidth: win.innerWidth, clientWidth: width, scrollWidth: root.scrollWidth,
                        charts: [], outside: [], wrappedTimes: [], midTokenBreaks: [], unboxedTables: 0 };
          doc.querySelectorAll('svg').forEach(function (svg) {
            var box = svg.getBoundingClientRect();
            found.charts.push({ label: svg.getAttribute('aria-label') || '', viewBox: svg.getAttribute('viewBox'),
                                left: box.left, right: box.right, width: box.width, height: box.height });
          });
          doc.querySelectorAll('body *').forEach(function (element) {
            if (element.parentElement.closest('.wide, svg')) return;
            var box = element.getBoundingClientRect();
            if (box.left < -0.5 || box.right > width + 0.5) {
              found.outside.push(element.tagName + '.' + (element.getAttribute('class') || '') + ' ' + box.left + '..' + box.right);
            }
          });
          doc.querySelectorAll('table').forEach(function (table) {
            var box = table.closest('.wide');
            if (!box || win.getComputedStyle(box).overflowX !== 'auto') found.unboxedTables += 1;
          });
          doc.querySelectorAll('.t').forEach(function (time) {
            if (time.getClientRects().length !== 1) found.wrappedTimes.push(time.textContent);
          });
          var separators = '/-.=,';
          doc.querySelectorAll('td.name, td.why').forEach(function (element) {
            var walker = doc.createTreeWalker(element, NodeFilter.SHOW_TEXT), node, previous = null;
            while ((node = walker.nextNode())) {
              if (node.parentElement.closest('.t')) { previous = null; continue; }
              for (var i = 0; i < node.data.length; i++) {
                var character = node.data[i];
                if (/\s/.test(character)) { if (previous) previous.spaceAfter = true; continue; }
                var range = doc.createRange();
                range.setStart(node, i); range.setEnd(node, i + 1);
                var box = range.getBoundingClientRect();
                if (box.width === 0 && box.height === 0) continue;
                if (previous && box.top > previous.top + previous.height / 2
                    && !previous.spaceAfter && separators.indexOf(previous.character) < 0) {
                  found.midTokenBreaks.push(previous.text + '|' + node.data.slice(i, i + 12));
                }
                previous = { top: box.top, height: box.height, character: character, spaceAfter: false,
                             text: node.data.slice(Math.max(0, i - 11), i + 1) };
              }
            }
          });
          var out = document.createElement('pre');
          out.id = 'findings';
          out.textContent = JSON.stringify(found);
          document.body.appendChild(out);
        });
        """#
}
