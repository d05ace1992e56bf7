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
            svg += "<text x=\"0\" y=\"\(HTMLText.number(y + 13))\">\(TextEscaping.html(HTMLText.shortened(full, to: 64)))</text>"
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

    /// The drops of one bar: `hoursPerBar` hours from `hour` (hours since 1970, a multiple of
    /// `hoursPerBar`, so bars of 6 hours start at 00:00, 06:00, … UTC), `start` the first hour
    /// of it in the window.
    struct Bar {
        var hour: Int64
        var start: Timestamp
        var count: Int64
    }

    static let hourNanos: Int64 = 3_600_000_000_000

    /// `hours` summed into bars of `step` hours aligned to multiples of `step` hours since 1970
    /// (the first and last bar may cover part of theirs); negative counts (a damaged database)
    /// count as zero.
    static func bucketed(_ hours: [HourlyCount], hoursPerBar step: Int) -> [Bar] {
        var bars: [Bar] = []
        for item in hours {
            let hour = item.hour.rawValue.floorDiv(hourNanos).floorDiv(Int64(step)) * Int64(step)
            if let last = bars.last, last.hour == hour {
                bars[bars.count - 1].count = last.count.saturatingAdd(max(item.count, 0))
            } else {
                bars.append(Bar(hour: hour, start: item.hour, count: max(item.count, 0)))
            }
        }
        return bars
    }

    /// Hours between two time labels: the smallest round interval (a multiple of the bar's hours)
    /// that puts labels at least 44 units apart, room for `10:00`.
    static func labelInterval(hoursPerBar step: Int, barWidth: Double) -> Int64 {
        let round: [Int64] = [1, 2, 3, 4, 6, 12, 24, 48, 72, 168, 336, 720, 1440, 2160, 4320, 8760, 17520]
        let fits = round.first { $0 % Int64(step) == 0 && Double($0 / Int64(step)) * barWidth >= 44 }
        return fits ?? Int64(step) * Int64(max(1, (44 / max(barWidth, 1)).rounded(.up)))
    }

    /// Vertical bars over the window with y-axis ticks, several time labels along the x axis (the
    /// date under the first one and under each new day) and each non-zero value printed above its
    /// bar, turned upright when the bars are too narrow for it.
    static func hourBars(_ hours: [HourlyCount]) -> String {
        let step = hoursPerBar(hours.count)
        let bars = bucketed(hours, hoursPerBar: step)
        let peak = bars.map(\.count).max() ?? 0
        let tick = tickStep(peak: peak)
        // The axis ends at the first tick at or above the peak (the peak itself near Int64.max).
        let ticks = max(peak, 1) / tick + (max(peak, 1) % tick == 0 ? 0 : 1)
        let (rounded, overflow) = tick.multipliedReportingOverflow(by: ticks)
        let axisTop = overflow ? max(peak, 1) : rounded

        let width = 480.0, right = 8.0, bottom = 40.0
        let left = 12 + HTMLText.textWidth(String(axisTop), fontSize: 12)
        let plotWidth = width - left - right
        let slot = plotWidth / Double(bars.count)
        let barWidth = min(slot * 0.72, 56)
        let widestValue = HTMLText.textWidth(String(peak), fontSize: 12)
        // A value wider than its bar's slot is written upright; the top margin makes room for the widest.
        func upright(_ count: Int64) -> Bool { HTMLText.textWidth(String(count), fontSize: 12) > slot - 2 }
        let top = 8 + (upright(peak) ? widestValue + 4 : 14)
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
        let labelHours = labelInterval(hoursPerBar: step, barWidth: slot)
        let datesOnly = labelHours >= 24
        var lastDay = ""
        for (index, bar) in bars.enumerated() {
            let center = left + slot * (Double(index) + 0.5)
            let barTop = y(bar.count)
            let time = ReportText.time(bar.start)
            svg += "<g><title>\(TextEscaping.html(time)): \(bar.count)</title>"
            if bar.count > 0 {
                svg += "<rect class=\"bar\" x=\"\(HTMLText.number(center - barWidth / 2))\" y=\"\(HTMLText.number(barTop))\" "
                    + "width=\"\(HTMLText.number(barWidth))\" height=\"\(HTMLText.number(top + plotHeight - barTop))\"/>"
                if upright(bar.count) {
                    svg += "<text class=\"value\" transform=\"translate(\(HTMLText.number(center + 4)),\(HTMLText.number(barTop - 3))) rotate(-90)\">\(bar.count)</text>"
                } else {
                    svg += "<text class=\"value\" x=\"\(HTMLText.number(center))\" y=\"\(HTMLText.number(barTop - 4))\" text-anchor=\"middle\">\(bar.count)</text>"
                }
            }
            svg += "</g>\n"
            guard bar.hour % labelHours == 0 else { continue }
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
