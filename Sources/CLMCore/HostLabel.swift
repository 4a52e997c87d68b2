/// How human output names the fleet host of a path on a whole-fleet read:
/// "[web1] /etc/ssl/a.pem". Nothing when there is no host (one host's records).
public enum HostLabel {
    public static func prefix(_ host: String?) -> String {
        host.map { "[\($0)] " } ?? ""
    }
}
