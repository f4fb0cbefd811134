using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Corrections.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "DataProtectionKeys",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    FriendlyName = table.Column<string>(type: "TEXT", nullable: true),
                    Xml = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DataProtectionKeys", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Digests",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    SiteKey = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Desk = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    SlotAt = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ReplyToken = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Digests", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "DisabledWebhooks",
                columns: table => new
                {
                    Fingerprint = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    SiteKey = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Host = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    DisabledAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DisabledWebhooks", x => x.Fingerprint);
                });

            migrationBuilder.CreateTable(
                name: "InboxSessions",
                columns: table => new
                {
                    IdHash = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 64, nullable: false),
                    Editor = table.Column<string>(type: "TEXT", maxLength: 254, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_InboxSessions", x => x.IdHash);
                });

            migrationBuilder.CreateTable(
                name: "InboxSignIns",
                columns: table => new
                {
                    TokenHash = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 64, nullable: false),
                    Editor = table.Column<string>(type: "TEXT", maxLength: 254, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UsedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_InboxSignIns", x => x.TokenHash);
                });

            migrationBuilder.CreateTable(
                name: "Leases",
                columns: table => new
                {
                    Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Owner = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Leases", x => x.Name);
                });

            migrationBuilder.CreateTable(
                name: "Outbox",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Type = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Payload = table.Column<string>(type: "TEXT", nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    DueAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    LeaseOwner = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    LeaseExpiresAt = table.Column<long>(type: "INTEGER", nullable: true),
                    ProcessedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    LastError = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    UniqueKey = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Outbox", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Reports",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    SiteKey = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Url = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: false),
                    DuplicateKey = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 20, nullable: false),
                    Title = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    Author = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    Section = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    Desk = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    DigestId = table.Column<long>(type: "INTEGER", nullable: true),
                    Language = table.Column<string>(type: "TEXT", maxLength: 35, nullable: true),
                    Exact = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    Prefix = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    Suffix = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    Suggestion = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    Comment = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ReaderCount = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ClosedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    DuplicateOfId = table.Column<Guid>(type: "TEXT", nullable: true),
                    ReplyToken = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    ThanksQueuedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Passage = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    PassageReason = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    PassageCheckedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    NextPageCheckAt = table.Column<long>(type: "INTEGER", nullable: true),
                    PageCheckClaim = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    PageETag = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    PageLastModified = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Reports", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "DigestItems",
                columns: table => new
                {
                    DigestId = table.Column<long>(type: "INTEGER", nullable: false),
                    Number = table.Column<int>(type: "INTEGER", nullable: false),
                    ReportId = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DigestItems", x => new { x.DigestId, x.Number });
                    table.ForeignKey(
                        name: "FK_DigestItems_Digests_DigestId",
                        column: x => x.DigestId,
                        principalTable: "Digests",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ReportEvents",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ReportId = table.Column<Guid>(type: "TEXT", nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    Actor = table.Column<string>(type: "TEXT", maxLength: 254, nullable: false),
                    Channel = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Action = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    FromStatus = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ToStatus = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Note = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    SourceMessageId = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReportEvents", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ReportEvents_Reports_ReportId",
                        column: x => x.ReportId,
                        principalTable: "Reports",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ReportSubmissions",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ReportId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SiteKey = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ClientRequestId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Suggestion = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    Comment = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    ReaderEmail = table.Column<string>(type: "TEXT", maxLength: 254, nullable: true),
                    ReceivedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ClientHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReportSubmissions", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ReportSubmissions_Reports_ReportId",
                        column: x => x.ReportId,
                        principalTable: "Reports",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_DigestItems_ReportId",
                table: "DigestItems",
                column: "ReportId");

            migrationBuilder.CreateIndex(
                name: "IX_Digests_ReplyToken",
                table: "Digests",
                column: "ReplyToken",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_InboxSessions_ExpiresAt",
                table: "InboxSessions",
                column: "ExpiresAt");

            migrationBuilder.CreateIndex(
                name: "IX_InboxSignIns_ExpiresAt",
                table: "InboxSignIns",
                column: "ExpiresAt");

            migrationBuilder.CreateIndex(
                name: "IX_Outbox_State_DueAt",
                table: "Outbox",
                columns: new[] { "State", "DueAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Outbox_State_Id",
                table: "Outbox",
                columns: new[] { "State", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Outbox_UniqueKey",
                table: "Outbox",
                column: "UniqueKey",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ReportEvents_ReportId_At",
                table: "ReportEvents",
                columns: new[] { "ReportId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_ReportEvents_SourceMessageId",
                table: "ReportEvents",
                column: "SourceMessageId");

            migrationBuilder.CreateIndex(
                name: "IX_Reports_CreatedAt_Id",
                table: "Reports",
                columns: new[] { "CreatedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Reports_DigestId",
                table: "Reports",
                column: "DigestId");

            migrationBuilder.CreateIndex(
                name: "IX_Reports_DuplicateKey_Status",
                table: "Reports",
                columns: new[] { "DuplicateKey", "Status" },
                filter: "\"Status\" = 'New'");

            migrationBuilder.CreateIndex(
                name: "IX_Reports_NextPageCheckAt",
                table: "Reports",
                column: "NextPageCheckAt",
                filter: "\"NextPageCheckAt\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Reports_Passage_CreatedAt_Id",
                table: "Reports",
                columns: new[] { "Passage", "CreatedAt", "Id" },
                filter: "\"Passage\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Reports_ReplyToken",
                table: "Reports",
                column: "ReplyToken",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Reports_SiteKey_CreatedAt_Id",
                table: "Reports",
                columns: new[] { "SiteKey", "CreatedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Reports_SiteKey_Desk_CreatedAt_Id",
                table: "Reports",
                columns: new[] { "SiteKey", "Desk", "CreatedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Reports_SiteKey_Status_CreatedAt_Id",
                table: "Reports",
                columns: new[] { "SiteKey", "Status", "CreatedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Reports_Status_CreatedAt_Id",
                table: "Reports",
                columns: new[] { "Status", "CreatedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_ReportSubmissions_ReaderEmail",
                table: "ReportSubmissions",
                column: "ReaderEmail");

            migrationBuilder.CreateIndex(
                name: "IX_ReportSubmissions_ReportId",
                table: "ReportSubmissions",
                column: "ReportId");

            migrationBuilder.CreateIndex(
                name: "IX_ReportSubmissions_SiteKey_ClientRequestId",
                table: "ReportSubmissions",
                columns: new[] { "SiteKey", "ClientRequestId" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DataProtectionKeys");

            migrationBuilder.DropTable(
                name: "DigestItems");

            migrationBuilder.DropTable(
                name: "DisabledWebhooks");

            migrationBuilder.DropTable(
                name: "InboxSessions");

            migrationBuilder.DropTable(
                name: "InboxSignIns");

            migrationBuilder.DropTable(
                name: "Leases");

            migrationBuilder.DropTable(
                name: "Outbox");

            migrationBuilder.DropTable(
                name: "ReportEvents");

            migrationBuilder.DropTable(
                name: "ReportSubmissions");

            migrationBuilder.DropTable(
                name: "Digests");

            migrationBuilder.DropTable(
                name: "Reports");
        }
    }
}
