import FlowlogModel

/// The HTML report's SVG bar charts. Each has a `viewBox`, so it scales down to a phone's width,
/// and prints its values as text (a mail client shows no hover titles).
enum ReportCharts {
    // MARK: - Top pairs

    /// Horizontal bars, one per pair: the label `source → destination` above its bar, the count
    /// after the bar. Narrow enough (480 units) that its 12-unit text stays legible on a phone.
    static func pairBars(_ groups: [DropGroup]) -> String {
        let width = 480.0, rowHeight = 38.0, top = 4.0, countRoom = 56.0
        let height = top + Double(groups.count) * rowHeight
        let largest = max(groups.map(\.count).max() ?? 1, 1)
        var svg = HTMLText.svgOpening(width: width, height: height, naturalWidth: 640, label: "Top dropped pairs")
        for (index, group) in groups.enumerated() {
            let y = top + Double(index) * rowHeight
            let full = "\(group.source) → \(group.destination)"
            let barLength = max(2, HTMLText.fraction(group.count, of: largest) * (width - countRoom))
            svg += "<g><title>\(TextEscaping.html(full)): \(group.count)</title>"
            svg += "<text x=\"0\" y=\"\(HTMLText.number(y + 13))\">\(TextEscaping.html(HTMLText.shortened(full, to: 68)))</text>"
            svg += "<rect class=\"bar\" x=\"0\" y=\"\(HTMLText.number(y + 18))\" width=\"\(HTMLText.number(barLength))\" height=\"14\"/>"
            svg += "<text class=\"value\" x=\"\(HTMLText.number(barLength + 5))\" y=\"\(HTMLText.number(y + 30))\">\(group.count)</text></g>\n"
        }
        return svg + "</svg>\n"
    }

    // MARK: - Drops per hour

    /// The most bars the time chart draws, so that each is wide enough for its value written
    /// upright; longer windows are drawn with one bar per several hours.
    static let maximumBars = 36

    /// Hours per bar for `hourCount` hours: the smallest of the usual steps that keeps the chart
    /// within ``maximumBars``.
    static func hoursPerBar(_ hourCount: Int) -> Int {
        let steps = [1, 2, 3, 4, 6, 12, 24, 48, 72, 168, 336, 720, 1440, 2160, 4320, 8760]
        return steps.first { (hourCount + $0 - 1) / $0 <= maximumBars } ?? 8760
    }

    /// A round step for about four y-axis ticks up to `peak`: 1, 2 or 5 times a power of ten.
    static func tickStep(peak: Int64) -> Int64 {
        let raw = max(Double(peak) / 4, 1)
        var magnitude: Int64 = 1
        while Double(magnitude) * 10 <= raw && magnitude < Int64.max / 10 { magnitude *= 10 }
        for factor: Int64 in [1, 2, 5] where Double(factor * magnitude) >= raw { return factor * magnitude }
        return magnitude < Int64.max / 10 ? magnitude * 10 : magnitude
    }

    /// Vertical bars over the window with y-axis ticks, several time labels along the x axis (the
    /// date under the first one and under each new day) and each non-zero value printed above its
    /// bar, turned upright when the bars are too narrow for it.
    static func hourBars(_ hours: [HourlyCount]) -> String {
        let step = hoursPerBar(hours.count)
        let bars: [HourlyCount] = stride(from: 0, to: hours.count, by: step).map { start in
            let slice = hours[start..<min(start + step, hours.count)]
            return HourlyCount(hour: hours[start].hour, count: slice.reduce(0) { $0.saturatingAdd(max($1.count, 0)) })
        }
        let peak = bars.map(\.count).max() ?? 0
        let tick = tickStep(peak: peak)
        let (quotient, overflow) = tick.multipliedReportingOverflow(by: (max(peak, 1) + tick - 1) / tick)
        let axisTop = overflow ? max(peak, 1) : max(quotient, 1)

        let width = 480.0, right = 8.0, bottom = 40.0
        let left = 12 + HTMLText.textWidth(String(axisTop), fontSize: 12)
        let plotWidth = width - left - right
        let slot = plotWidth / Double(bars.count)
        let barWidth = min(slot * 0.72, 56)
        let widestValue = HTMLText.textWidth(String(peak), fontSize: 12)
        let upright = widestValue > slot - 2
        let top = 8 + (upright ? widestValue + 4 : 14)
        let plotHeight = 180.0
        let height = top + plotHeight + bottom
        func y(_ value: Int64) -> Double { top + plotHeight - HTMLText.fraction(value, of: axisTop) * plotHeight }

        var svg = HTMLText.svgOpening(width: width, height: height, naturalWidth: 720, label: "Drops per hour")
        var value: Int64 = 0
        while value <= axisTop {
            let lineY = HTMLText.number(y(value))
            svg += "<line class=\"grid\" x1=\"\(HTMLText.number(left))\" y1=\"\(lineY)\" x2=\"\(HTMLText.number(width - right))\" y2=\"\(lineY)\"/>"
            svg += "<text class=\"tick\" x=\"\(HTMLText.number(left - 5))\" y=\"\(HTMLText.number(y(value) + 4))\" text-anchor=\"end\">\(value)</text>\n"
            let (next, overflow) = value.addingReportingOverflow(tick)
            if overflow { break }
            value = next
        }
        // Labels at least 76 units apart: a date (`2026-11-20`, about 70 units) never meets the next.
        let labelEvery = max(1, Int((76 / slot).rounded(.up)))
        let datesOnly = labelEvery * step >= 24
        var lastDay = ""
        for (index, bar) in bars.enumerated() {
            let center = left + slot * (Double(index) + 0.5)
            let barTop = y(bar.count)
            let time = ReportText.time(bar.hour)
            svg += "<g><title>\(TextEscaping.html(time)): \(bar.count)</title>"
            if bar.count > 0 {
                svg += "<rect class=\"bar\" x=\"\(HTMLText.number(center - barWidth / 2))\" y=\"\(HTMLText.number(barTop))\" "
                    + "width=\"\(HTMLText.number(barWidth))\" height=\"\(HTMLText.number(top + plotHeight - barTop))\"/>"
                if upright {
                    svg += "<text class=\"value\" transform=\"translate(\(HTMLText.number(center + 4)),\(HTMLText.number(barTop - 3))) rotate(-90)\">\(bar.count)</text>"
                } else {
                    svg += "<text class=\"value\" x=\"\(HTMLText.number(center))\" y=\"\(HTMLText.number(barTop - 4))\" text-anchor=\"middle\">\(bar.count)</text>"
                }
            }
            svg += "</g>\n"
            guard index % labelEvery == 0 else { continue }
            // `2026-11-20T10:00:00Z`: the clock time on the first line, the date below it when it
            // changes; labels a day or more apart are the month and day alone.
            let day = String(time.prefix(10))
            let clock = datesOnly ? String(time.dropFirst(5).prefix(5)) : String(time.dropFirst(11).prefix(5))
            let labelY = top + plotHeight + 15
            svg += "<line class=\"axis\" x1=\"\(HTMLText.number(center))\" y1=\"\(HTMLText.number(top + plotHeight))\" "
                + "x2=\"\(HTMLText.number(center))\" y2=\"\(HTMLText.number(top + plotHeight + 4))\"/>"
            svg += "<text class=\"tick\" x=\"\(HTMLText.number(center))\" y=\"\(HTMLText.number(labelY))\" text-anchor=\"middle\">\(TextEscaping.html(clock))</text>\n"
            if day != lastDay && !datesOnly {
                svg += "<text class=\"tick\" x=\"\(HTMLText.number(center))\" y=\"\(HTMLText.number(labelY + 15))\" text-anchor=\"middle\">\(TextEscaping.html(day))</text>\n"
                lastDay = day
            }
        }
        svg += "<line class=\"axis\" x1=\"\(HTMLText.number(left))\" y1=\"\(HTMLText.number(top + plotHeight))\" "
            + "x2=\"\(HTMLText.number(width - right))\" y2=\"\(HTMLText.number(top + plotHeight))\"/>\n"
        return svg + "</svg>\n"
    }
}
