public import CLMInventory
public import Foundation

/// `clm scan --nginx FILE --haproxy FILE --postfix DIR --dovecot FILE`: reads
/// the configs, records which site uses which certificate, and scans the
/// certificate and key files they name.
public struct ConfigDiscovery {
    public struct Summary: Sendable {
        public var sites: [ConfigSite] = []
        public var warnings: [ConfigWarning] = []
        public var configFiles: [String] = []
        public var scan: ScanRecorder.Summary?
    }

    public let inventory: Inventory
    public let scannerOptions: FileScanner.Options

    public init(inventory: Inventory, scannerOptions: FileScanner.Options = FileScanner.Options()) {
        self.inventory = inventory
        self.scannerOptions = scannerOptions
    }

    /// Where Debian and most distributions keep the mail servers' configs
    /// (`clm scan --mail-configs`): only those present are returned.
    public static func standardMailConfigs() -> (postfix: [String], dovecot: [String]) {
        let postfix = ["/etc/postfix"].filter { ConfigFiles.exists($0 + "/main.cf") }
        let dovecot = ["/etc/dovecot/dovecot.conf"].filter(ConfigFiles.exists)
        return (postfix, dovecot)
    }

    public func discover(nginx: [String], haproxy: [String], postfix: [String] = [], dovecot: [String] = [],
                         now: Date = Date()) throws(InventoryError) -> Summary {
        var summary = Summary()
        var scans: [ConfigScan] = nginx.map { NginxConfigReader().read(mainFile: $0) }
        scans += haproxy.map { HAProxyConfigReader().read(mainFile: $0) }
        scans += postfix.map { PostfixConfigReader().read(configDirectory: $0) }
        scans += dovecot.map { DovecotConfigReader().read(mainFile: $0) }
        for scan in scans {
            summary.sites += scan.sites
            summary.warnings += scan.warnings
            summary.configFiles += scan.files
        }
        summary.warnings = ConfigWarning.capped(summary.warnings)
        let records = scans.flatMap { scan in
            scan.sites.map { site in
                SiteRecord(source: site.server.rawValue, configFile: site.location.file, configLine: site.location.line,
                           serverNames: site.names, listen: Self.listen(site), certificatePath: site.certPath, keyPath: site.keyPath,
                           role: site.role.rawValue, roleDetail: site.roleDetail, mainConfig: scan.files.first)
            }
        }
        try inventory.scans.recordSites(records, configFiles: summary.configFiles, now: now)
        // The certificate and key files the configs point at.
        var paths: [String] = []
        for site in summary.sites {
            // CA files (Dovecot ssl_ca, Postfix smtpd_tls_CAfile) hold certificates that expire too.
            let caFiles = site.directives.filter { $0.name == "ssl_ca" || $0.name == "smtpd_tls_CAfile" }
                .map { $0.value.hasPrefix("<") ? String($0.value.dropFirst()).trimmingCharacters(in: .whitespaces) : $0.value }
                .filter { $0.hasPrefix("/") && ConfigFiles.exists($0) }
            // A file that is not there was already warned about by its reader, with its file:line.
            for path in [site.certPath] + (site.keyPath.map { [$0] } ?? []) + caFiles where !paths.contains(path) && ConfigFiles.exists(path) {
                paths.append(path)
            }
        }
        if !paths.isEmpty {
            summary.scan = try FileScanner(inventory: inventory, options: scannerOptions).scan(roots: paths, now: now)
        }
        return summary
    }

    /// `addr:port` per TLS port; for mail listeners the endpoint spec with
    /// its protocol (`*:143 starttls=imap`), as `--targets` reads it.
    static func listen(_ site: ConfigSite) -> [String] {
        if !site.listeners.isEmpty { return site.listeners.map(\.endpointSpec) }
        if site.addresses.isEmpty { return site.ports.map(String.init) }
        return site.addresses.flatMap { address in site.ports.map { "\(address):\($0)" } }
    }
}
