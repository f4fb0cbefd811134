using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Features.Triage;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Corrections.Tests.Desks;

public sealed class DeskRoutingTests : ServiceTest
{
    private const string Politics = "politics@news.example.org";
    private const string Sport = "sport@news.example.org";
    private const string Ukrainian = "uk@news.example.org";

    protected override Dictionary<string, string?> Settings => new()
    {
        ["Sites:0:Desks:0:Name"] = "Politics",
        ["Sites:0:Desks:0:Editors:0"] = Politics,
        ["Sites:0:Desks:0:Paths:0"] = "/politics/",
        ["Sites:0:Desks:1:Name"] = "Sport",
        ["Sites:0:Desks:1:Editors:0"] = Sport,
        ["Sites:0:Desks:1:Sections:0"] = "Sport",
        ["Sites:0:Desks:2:Name"] = "Ukrainian edition",
        ["Sites:0:Desks:2:Editors:0"] = Ukrainian,
        ["Sites:0:Desks:2:Authors:0"] = "Anna Koval",
    };

    private static JsonObject Report(string path = "/2024/11/25/article", string? author = null, string? section = null, string exact = "brave new wrold")
    {
        var report = Infrastructure.Reports.Valid(exact: exact, url: $"https://news.example.org{path}");
        if (author is not null)
            report["author"] = author;
        if (section is not null)
            report["section"] = section;
        return report;
    }

    private Task<string?> DeskOfAsync(Guid id) => App.QueryAsync(db => db.Reports.Where(r => r.Id == id).Select(r => r.Desk).SingleAsync());

    [Fact]
    public async Task A_report_under_a_desks_path_is_mailed_to_that_desks_editors_only_and_names_the_desk()
    {
        var id = await App.SubmitAcceptedAsync(Report(path: "/politics/2024/elections"));

        var mail = (await Smtp.WaitForMessagesAsync(1)).Single();
        await Task.Delay(200);

        Assert.Single(Smtp.Messages);
        Assert.Equal(Politics, mail.To.Mailboxes.Single().Address);
        Assert.StartsWith("[Demo News · Politics]", mail.Subject);
        Assert.Contains("Desk: Politics", mail.TextBody);
        Assert.Contains("Desk: <strong>Politics</strong>", mail.HtmlBody);
        Assert.Equal("Politics", await DeskOfAsync(id));
    }

    [Theory]
    [InlineData("/2024/match", null, "sport", "Sport")]
    [InlineData("/2024/match", "Anna Koval, Petro Marchenko", null, "Ukrainian edition")]
    [InlineData("/politics/match", "Anna Koval", "Sport", "Politics")] // the first desk that matches
    [InlineData("/Politics/match", null, null, null)] // paths are compared case-sensitively
    [InlineData("/2024/match", "Someone Else", "Culture", null)]
    public async Task A_report_goes_to_the_first_desk_whose_path_section_or_author_matches(string path, string? author, string? section, string? desk)
    {
        var id = await App.SubmitAcceptedAsync(Report(path, author, section));

        Assert.Equal(desk, await DeskOfAsync(id));
        var report = await App.QueryAsync(db => db.Reports.SingleAsync(r => r.Id == id));
        Assert.Equal(author, report.Author);
        Assert.Equal(section, report.Section);
    }

    [Fact]
    public async Task A_report_no_desk_matches_goes_to_the_sites_editors()
    {
        await App.SubmitAcceptedAsync(Report());

        var mail = (await Smtp.WaitForMessagesAsync(1)).Single();

        Assert.Equal(Infrastructure.Reports.DemoEditor, mail.To.Mailboxes.Single().Address);
        Assert.DoesNotContain("Desk:", mail.TextBody);
    }

    [Theory]
    [InlineData("author")]
    [InlineData("section")]
    public async Task An_author_or_section_over_200_characters_gets_400_naming_it(string field)
    {
        var report = Report();
        report[field] = new string('a', 201);

        var response = await App.SubmitAsync(report);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(problem!["errors"]!.AsObject().ContainsKey(field));
    }

    [Fact]
    public async Task The_admin_api_shows_the_desk_and_filters_the_list_and_the_export_by_it()
    {
        var politics = await App.SubmitAcceptedAsync(Report(path: "/politics/a", exact: "one"));
        await App.SubmitAcceptedAsync(Report(section: "Sport", exact: "two"));
        await App.SubmitAcceptedAsync(Report(exact: "three"));
        var client = App.CreateAdminClient();

        var details = (await client.GetFromJsonAsync<JsonObject>($"/api/reports/{politics}"))!;
        var list = (await client.GetFromJsonAsync<JsonObject>("/api/reports?desk=Politics"))!;
        var export = await client.GetStringAsync("/api/reports/export?desk=Sport");

        Assert.Equal("Politics", (string?)details["desk"]);
        Assert.Equal([politics.ToString()], list["items"]!.AsArray().Select(i => (string)i!["id"]!));
        Assert.Equal("Politics", (string?)list["items"]![0]!["desk"]);
        var lines = export.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith(",desk,author,section", lines[0]);
        Assert.Equal(2, lines.Length);
        Assert.Contains(",two,", lines[1]);
        Assert.EndsWith(",Sport,,Sport", lines[1]);
    }

    [Fact]
    public async Task The_desks_editors_and_the_sites_may_triage_a_desks_report_by_link_and_another_desks_may_not()
    {
        var id = await App.SubmitAcceptedAsync(Report(path: "/politics/a"));
        var links = App.Services.GetRequiredService<TriageLinks>();
        var client = App.CreateClient();

        var byDesk = await client.GetAsync($"/triage/{links.Token(id, TriageAction.Fixed, Politics)}");
        var bySite = await client.GetAsync($"/triage/{links.Token(id, TriageAction.Fixed, Infrastructure.Reports.DemoEditor)}");
        var byOtherDesk = await client.GetAsync($"/triage/{links.Token(id, TriageAction.Fixed, Sport)}");

        Assert.Equal(HttpStatusCode.OK, byDesk.StatusCode);
        Assert.Equal(HttpStatusCode.OK, bySite.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, byOtherDesk.StatusCode);
    }

    [Fact]
    public void Who_may_triage_is_the_sites_editors_and_the_reports_desks()
    {
        var site = App.Services.GetRequiredService<SiteDirectory>().Find("demo")!;

        Assert.True(site.MayTriage(Infrastructure.Reports.DemoEditor, desk: null));
        Assert.True(site.MayTriage(Infrastructure.Reports.DemoEditor, "Sport"));
        Assert.True(site.MayTriage("SPORT@news.example.org", "sport"));
        Assert.False(site.MayTriage(Sport, "Politics"));
        Assert.False(site.MayTriage(Sport, desk: null));
        Assert.False(site.MayTriage(Sport, "a desk no longer configured"));
    }

    [Fact]
    public async Task A_desks_editor_may_triage_its_report_by_reply_and_another_desks_editor_may_not()
    {
        var id = await App.SubmitAcceptedAsync(Report(path: "/politics/a"));
        var token = await App.QueryAsync(db => db.Reports.Where(r => r.Id == id).Select(r => r.ReplyToken).SingleAsync());

        async Task<Corrections.Features.Replies.ReplyOutcome> ReplyAsync(string from, string line)
        {
            await using var scope = App.Services.CreateAsyncScope();
            var mediator = scope.ServiceProvider.GetRequiredService<Mediator.IMediator>();
            return await mediator.Send(new Corrections.Features.Replies.HandleEditorReply(
                $"<{Guid.NewGuid()}@news.example.org>", token, from, line, "Re: report", Corrections.Features.Replies.SenderCheck.NotRequired));
        }

        Assert.Equal(Corrections.Features.Replies.ReplyOutcome.NotAnEditor, await ReplyAsync(Sport, "spam"));
        Assert.Equal(Corrections.Features.Replies.ReplyOutcome.Applied, await ReplyAsync(Politics, "fixed"));
        Assert.Equal(ReportStatus.Fixed, (await App.QueryAsync(db => db.Reports.SingleAsync(r => r.Id == id))).Status);
    }
}
