using Corrections.Configuration;
using Corrections.Data;
using Corrections.Pipeline;
using Microsoft.AspNetCore.WebUtilities;

namespace Corrections.Features.Inbox;

/// <summary>What the inbox shows, as its query string says: one site or all, one desk or all, a status or all, an age, a search.</summary>
public sealed record InboxFilter(string? Site, ReportStatus? Status, InboxAge Age, string? Search, string? Desk = null)
{
    public const int MaxSearch = 200;

    /// <summary>The status filter's value for every status.</summary>
    public const string AllStatuses = "all";

    public static InboxFilter Read(IQueryCollection query, IReadOnlyList<Site> editable, ValidationErrors errors)
    {
        string? site = null;
        if (query["site"].ToString() is { Length: > 0 } key)
        {
            site = editable.FirstOrDefault(s => s.Key.Equals(key, StringComparison.OrdinalIgnoreCase))?.Key;
            if (site is null)
                errors.Add("site", $"“{key}” is not one of your sites.");
        }

        string? desk = null;
        if (query["desk"].ToString() is { Length: > 0 } deskName)
        {
            desk = editable.SelectMany(s => s.Desks).FirstOrDefault(d => d.Name.Equals(deskName, StringComparison.OrdinalIgnoreCase))?.Name;
            if (desk is null)
                errors.Add("desk", $"“{deskName}” is not a desk of your sites.");
        }

        ReportStatus? status = ReportStatus.New;
        var statusText = query["status"].ToString();
        if (statusText == AllStatuses)
            status = null;
        else if (statusText.Length > 0)
        {
            if (!char.IsDigit(statusText[0]) && Enum.TryParse<ReportStatus>(statusText, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed))
                status = parsed;
            else
                errors.Add("status", $"“{statusText}” is not a status: use new, fixed, rejected, duplicate, spam or all.");
        }

        var age = InboxAge.Any;
        var ageText = query["age"].ToString();
        if (ageText.Length > 0 && !(Enum.TryParse(ageText, ignoreCase: true, out age) && Enum.IsDefined(age) && !char.IsDigit(ageText[0])))
            errors.Add("age", $"“{ageText}” is not an age: use day, week, month or older.");

        var search = query["q"].ToString().Trim();
        if (search.Length > MaxSearch)
            errors.Add("q", $"The search must be at most {MaxSearch} characters.");
        return new InboxFilter(site, status, age, search.Length > 0 ? search : null, desk);
    }

    /// <summary>The filter as a query string, with <paramref name="cursor"/> for a following page.</summary>
    public string ToQuery(string? cursor = null)
    {
        var values = new Dictionary<string, string?>();
        if (Site is not null)
            values["site"] = Site;
        if (Desk is not null)
            values["desk"] = Desk;
        values["status"] = Status is { } status ? status.ToString().ToLowerInvariant() : AllStatuses;
        if (Age != InboxAge.Any)
            values["age"] = Age.ToString().ToLowerInvariant();
        if (Search is not null)
            values["q"] = Search;
        if (cursor is not null)
            values["cursor"] = cursor;
        return QueryHelpers.AddQueryString("/inbox", values);
    }

    /// <summary>Where a form sends the editor back to: the inbox with the query it was shown with, and nowhere else.</summary>
    public static string BackTo(string? back) =>
        back is { Length: > 0 and < 2000 } && back.StartsWith("/inbox?", StringComparison.Ordinal) ? back : "/inbox";

    /// <summary>The page to go back to, saying what the action did.</summary>
    public static string WithOutcome(string back, string action, int changed, int unchanged)
    {
        var query = QueryHelpers.ParseQuery(back.Contains('?') ? back[back.IndexOf('?')..] : "");
        var values = query.Where(q => q.Key is not ("done" or "changed" or "unchanged"))
            .SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v)))
            .Append(new("done", action))
            .Append(new("changed", changed.ToString()))
            .Append(new("unchanged", unchanged.ToString()));
        return QueryHelpers.AddQueryString("/inbox", values);
    }
}

public static class SeeOther
{
    /// <summary>303: after a form's POST the browser GETs the page, so that reloading it posts nothing again.</summary>
    public static IResult To(HttpContext context, string location)
    {
        context.Response.Headers.Location = location;
        return Results.StatusCode(StatusCodes.Status303SeeOther);
    }
}
