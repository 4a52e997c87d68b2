/// A whole number of days as people write it: "less than a day", "1 day", "12 days".
public enum DayCount {
    public static func text(_ days: Int64) -> String {
        switch days {
        case 0: "less than a day"
        case 1: "1 day"
        default: "\(days) days"
        }
    }
}
