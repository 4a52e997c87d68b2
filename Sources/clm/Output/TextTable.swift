import CLMCore
import Foundation

/// Left-aligned text columns, sized to their widest cell.
struct TextTable {
    let headers: [String]
    var rows: [[String]] = []
    /// Optional decoration per row, applied after padding (colour codes do not count toward width).
    var decorate: [((String) -> String)?] = []

    init(headers: [String]) { self.headers = headers }

    mutating func append(_ row: [String], decoration: ((String) -> String)? = nil) {
        rows.append(row)
        decorate.append(decoration)
    }

    func render(maxWidth: [Int: Int] = [:]) -> String {
        let clipped = rows.map { row in
            row.map(\.displaySafe).enumerated().map { index, cell in
                guard let limit = maxWidth[index], cell.count > limit else { return cell }
                return String(cell.prefix(limit - 1)) + "…"
            }
        }
        var widths = headers.map(\.count)
        for row in clipped { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        var out = line(headers) + "\n"
        for (index, row) in clipped.enumerated() {
            let text = line(row)
            out += (decorate[index]?(text) ?? text) + "\n"
        }
        return out
    }
}
