using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Corrections.Data;

public sealed class CorrectionsDb(DbContextOptions<CorrectionsDb> options) : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<ReportEvent> ReportEvents => Set<ReportEvent>();
    public DbSet<Report> Reports => Set<Report>();
    public DbSet<ReportSubmission> ReportSubmissions => Set<ReportSubmission>();
    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();
    public DbSet<Lease> Leases => Set<Lease>();
    public DbSet<InboxSignIn> InboxSignIns => Set<InboxSignIn>();
    public DbSet<InboxSession> InboxSessions => Set<InboxSession>();
    public DbSet<DisabledWebhook> DisabledWebhooks => Set<DisabledWebhook>();
    public DbSet<Digest> Digests => Set<Digest>();
    public DbSet<DigestItem> DigestItems => Set<DigestItem>();

    /// <summary>
    /// What makes a report open, in SQLite's and PostgreSQL's SQL: the filter of the index over open reports' duplicate
    /// keys. SQLite uses that index only for a query that names this term word for word.
    /// </summary>
    public const string OpenReportFilter = $"\"Status\" = '{nameof(ReportStatus.New)}'";

    protected override void ConfigureConventions(ModelConfigurationBuilder conventions)
    {
        // SQLite has no date type that EF Core can compare or order; ticks keep the order of UTC instants.
        if (Database.ProviderName == "Microsoft.EntityFrameworkCore.Sqlite")
        {
            conventions.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
            conventions.Properties<DateTimeOffset?>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        }
    }

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<Report>(report =>
        {
            report.Property(r => r.SiteKey).HasMaxLength(64);
            report.Property(r => r.Url).HasMaxLength(2048);
            report.Property(r => r.DuplicateKey).HasMaxLength(Report.DuplicateKeyLength).IsFixedLength();
            report.Property(r => r.Title).HasMaxLength(500);
            report.Property(r => r.Author).HasMaxLength(200);
            report.Property(r => r.Section).HasMaxLength(200);
            report.Property(r => r.Desk).HasMaxLength(100);
            report.Property(r => r.Language).HasMaxLength(35);
            report.Property(r => r.Exact).HasMaxLength(1000);
            report.Property(r => r.Prefix).HasMaxLength(500);
            report.Property(r => r.Suffix).HasMaxLength(500);
            report.Property(r => r.Suggestion).HasMaxLength(2000);
            report.Property(r => r.Comment).HasMaxLength(2000);
            report.Property(r => r.Status).HasConversion<string>().HasMaxLength(16);
            // Only open reports are joined, so only they are indexed by their key: the index stays as small as the
            // editors' backlog however many reports were closed, and a closed report's key costs no page of it
            // (docs/decisions/0007-index-over-open-reports.md). The status is a column of the index too, though all its
            // entries share it: with two columns that a look-up matches, SQLite's planner prefers this index to the admin
            // list's (Status, CreatedAt, Id), which it would otherwise pick for the status and then read every open report.
            report.HasIndex(r => new { r.DuplicateKey, r.Status }).HasFilter(Database.ProviderName == "Microsoft.EntityFrameworkCore.SqlServer"
                ? $"[Status] = N'{nameof(ReportStatus.New)}'"
                : OpenReportFilter);
            // The admin list's order, newest first, behind each of its filters (none, site, status, both): a page is read
            // from the index where its cursor points, at any depth and without sorting.
            report.HasIndex(r => new { r.CreatedAt, r.Id });
            report.HasIndex(r => new { r.SiteKey, r.CreatedAt, r.Id });
            report.HasIndex(r => new { r.Status, r.CreatedAt, r.Id });
            report.HasIndex(r => new { r.SiteKey, r.Status, r.CreatedAt, r.Id });
            report.Property(r => r.Passage).HasConversion<string>().HasMaxLength(16);
            report.Property(r => r.PassageReason).HasMaxLength(200);
            report.Property(r => r.PageETag).HasMaxLength(200);
            report.Property(r => r.PageCheckClaim).HasMaxLength(64);
            // The admin list by what was seen on the article, in its order. A new report has not been read yet, so its
            // insert writes no entry; the check writes it, off the readers' path.
            report.HasIndex(r => new { r.Passage, r.CreatedAt, r.Id }).HasFilter(Database.ProviderName == "Microsoft.EntityFrameworkCore.SqlServer"
                ? "[Passage] IS NOT NULL"
                : "\"Passage\" IS NOT NULL");
            // The live page's rounds read the reports that are due, soonest first. Only reports on the schedule are in
            // it, so that a new report's insert, on the readers' write path, writes no entry.
            report.HasIndex(r => r.NextPageCheckAt).HasFilter(Database.ProviderName == "Microsoft.EntityFrameworkCore.SqlServer"
                ? "[NextPageCheckAt] IS NOT NULL"
                : "\"NextPageCheckAt\" IS NOT NULL");
            report.HasIndex(r => new { r.SiteKey, r.Desk, r.CreatedAt, r.Id });
            report.HasIndex(r => r.DigestId);
            report.Property(r => r.ReplyToken).HasMaxLength(32);
            report.HasIndex(r => r.ReplyToken).IsUnique();
            report.HasMany(r => r.Submissions).WithOne().HasForeignKey(s => s.ReportId);
            report.HasMany(r => r.History).WithOne().HasForeignKey(e => e.ReportId);
        });

        model.Entity<ReportEvent>(e =>
        {
            e.Property(x => x.Actor).HasMaxLength(254);
            e.Property(x => x.Channel).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.Action).HasMaxLength(16);
            e.Property(x => x.FromStatus).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.ToStatus).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.Note).HasMaxLength(2000);
            e.Property(x => x.SourceMessageId).HasMaxLength(500);
            e.HasIndex(x => new { x.ReportId, x.At });
            e.HasIndex(x => x.SourceMessageId);
        });

        model.Entity<ReportSubmission>(submission =>
        {
            submission.Property(s => s.SiteKey).HasMaxLength(64);
            submission.Property(s => s.ClientRequestId).HasMaxLength(100);
            submission.Property(s => s.Suggestion).HasMaxLength(2000);
            submission.Property(s => s.Comment).HasMaxLength(2000);
            submission.Property(s => s.ReaderEmail).HasMaxLength(254);
            submission.Property(s => s.ClientHash).HasMaxLength(64);
            submission.HasIndex(s => new { s.SiteKey, s.ClientRequestId }).IsUnique();
            submission.HasIndex(s => s.ReaderEmail);
        });

        model.Entity<OutboxMessage>(message =>
        {
            message.ToTable("Outbox");
            message.Property(m => m.Type).HasMaxLength(100);
            message.Property(m => m.State).HasConversion<string>().HasMaxLength(16);
            message.Property(m => m.LeaseOwner).HasMaxLength(64);
            message.Property(m => m.LastError).HasMaxLength(2000);
            message.Property(m => m.UniqueKey).HasMaxLength(200);
            message.HasIndex(m => m.UniqueKey).IsUnique();
            message.HasIndex(m => new { m.State, m.DueAt });
            // The admin list of one state, newest first: a page is read from where its cursor points, however many
            // messages are done.
            message.HasIndex(m => new { m.State, m.Id });
        });

        model.Entity<Digest>(digest =>
        {
            digest.Property(d => d.SiteKey).HasMaxLength(64);
            digest.Property(d => d.Desk).HasMaxLength(100);
            digest.Property(d => d.ReplyToken).HasMaxLength(32);
            digest.HasIndex(d => d.ReplyToken).IsUnique();
            digest.HasMany(d => d.Items).WithOne().HasForeignKey(i => i.DigestId);
        });

        model.Entity<DigestItem>(item =>
        {
            item.HasKey(i => new { i.DigestId, i.Number });
            item.HasIndex(i => i.ReportId);
        });

        model.Entity<DisabledWebhook>(webhook =>
        {
            webhook.HasKey(w => w.Fingerprint);
            webhook.Property(w => w.Fingerprint).HasMaxLength(32);
            webhook.Property(w => w.SiteKey).HasMaxLength(64);
            webhook.Property(w => w.Host).HasMaxLength(255);
        });

        model.Entity<Lease>(lease =>
        {
            lease.HasKey(l => l.Name);
            lease.Property(l => l.Name).HasMaxLength(100);
            lease.Property(l => l.Owner).HasMaxLength(64);
        });

        model.Entity<InboxSignIn>(signIn =>
        {
            signIn.HasKey(s => s.TokenHash);
            signIn.Property(s => s.TokenHash).HasMaxLength(64).IsFixedLength();
            signIn.Property(s => s.Editor).HasMaxLength(254);
            signIn.HasIndex(s => s.ExpiresAt);
        });

        model.Entity<InboxSession>(session =>
        {
            session.HasKey(s => s.IdHash);
            session.Property(s => s.IdHash).HasMaxLength(64).IsFixedLength();
            session.Property(s => s.Editor).HasMaxLength(254);
            session.HasIndex(s => s.ExpiresAt);
        });
    }
}
