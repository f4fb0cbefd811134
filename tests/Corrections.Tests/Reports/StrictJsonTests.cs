using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Tests.Reports;

/// <summary>The body of a submission is read strictly: what a careless or hostile client adds is refused, not guessed at.</summary>
public sealed class StrictJsonTests() : ServiceTest(TestRelay.None)
{
    private static string Valid => Infrastructure.Reports.Valid().ToJsonString();

    public static TheoryData<string, string> Refused() => new()
    {
        // The first url would pass the origin check; the last one would win in a lenient reader.
        { "url", Valid.Replace("\"url\":", "\"url\":\"https://elsewhere.example.com/a\",\"url\":", StringComparison.Ordinal) },
        { "selection.exact", Valid.Replace("\"exact\":", "\"exact\":\"x\",\"exact\":", StringComparison.Ordinal) },
        { "isAdmin", Valid.Replace("\"site\":", "\"isAdmin\":true,\"site\":", StringComparison.Ordinal) },
        { "selection.offset", Valid.Replace("\"prefix\":", "\"offset\":12,\"prefix\":", StringComparison.Ordinal) },
        { "comment", Valid.Replace("\"comment\":\"typo\"", "\"comment\":{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{}}}}}}}}", StringComparison.Ordinal) },
        { "elapsedMs", Valid.Replace("\"site\":", "\"elapsedMs\":\"1500\",\"site\":", StringComparison.Ordinal) },
        { "$", "" },
        { "$", "[1,2,3]" },
        { "$", "{\"site\":\"demo\"" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_body_with_a_duplicate_or_unknown_property_a_wrong_type_or_too_deep_nesting_gets_400_naming_the_field_and_stores_nothing(string field, string body)
    {
        var response = await App.CreateClient().PostAsync("/api/reports", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(problem!["errors"]!.AsObject().ContainsKey(field), $"errors should name {field}: {problem["errors"]}");
        Assert.Equal(0, await App.QueryAsync(db => db.Reports.CountAsync()));
    }

    [Fact]
    public async Task The_widgets_body_is_accepted()
    {
        var response = await App.CreateClient().PostAsync("/api/reports", new StringContent(Valid, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }
}
