using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using SQLitePCL;

namespace Corrections.Data;

/// <summary>
/// Inserts new rows in the context's transaction with one INSERT per table, all of them sent as one batch to a database
/// server and, in SQLite, prepared once a table and executed once a row, converting each value the way the model maps
/// it. SaveChanges costs a submission batch several times more on a busy core, and one multi-row INSERT is slower
/// still: the driver binds hundreds of named parameters in quadratic time.
/// The commands go to the connection directly, so EF Core's logging and command interceptors do not see them.
/// </summary>
public static class BatchInsert
{
    /// <param name="tables">Each table's new rows, in the order they are to be inserted (rows before those that refer to them).</param>
    public static async Task InsertAsync(this CorrectionsDb db, IReadOnlyList<IReadOnlyList<object>> tables, CancellationToken cancellationToken)
    {
        var inserts = tables.Where(rows => rows.Count > 0).Select(rows => (Insert: InsertOf(db, rows[0].GetType()), Rows: rows)).ToList();
        if (inserts.Count == 0)
            return;

        // SQLite is in the process: one statement a table, prepared once and run once a row in the context's
        // transaction, each value bound by its position straight from the row. Bound through SqliteParameter, every
        // value of every row was looked up by its parameter's name and copied to UTF-8 first.
        if (await db.RunOnSqliteAsync(sqlite =>
            {
                foreach (var (insert, rows) in inserts)
                    InsertIntoSqlite(sqlite, insert, rows, cancellationToken);
            }, cancellationToken))
            return;

        // A database server is a round trip away: all the rows of all the tables go in one batch.
        var connection = db.Database.GetDbConnection();
        await using var batch = connection.CreateBatch();
        batch.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        await using var parameters = connection.CreateCommand();
        foreach (var (insert, rows) in inserts)
        {
            foreach (var row in rows)
            {
                var insertRow = batch.CreateBatchCommand();
                insertRow.CommandText = insert.Sql;
                for (var c = 0; c < insert.Columns.Length; c++)
                    insertRow.Parameters.Add(insert.Columns[c].Parameter(parameters, row));
                batch.BatchCommands.Add(insertRow);
            }
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static InsertCommand InsertOf(CorrectionsDb db, Type rowType) =>
        InsertCommand.Of(
            db.Model.FindEntityType(rowType) ?? throw new InvalidOperationException($"{rowType.Name} is not in the model"),
            db.GetService<ISqlGenerationHelper>());

    private static void InsertIntoSqlite(SqliteConnection connection, InsertCommand insert, IReadOnlyList<object> rows, CancellationToken cancellationToken)
    {
        var handle = connection.Handle!;
        using (var prepared = connection.Prepare(insert.Sql))
        {
            var statement = prepared.Statement;
            foreach (var row in rows)
            {
                cancellationToken.ThrowIfCancellationRequested();
                for (var c = 0; c < insert.Columns.Length; c++)
                    SqliteException.ThrowExceptionForRC(insert.Columns[c].Bind(statement, c + 1, row), handle);
                statement.Execute(handle);
            }
        }
    }

    /// <summary>An entity type's INSERT, worked out from the model once and kept on it.</summary>
    private sealed record InsertCommand(string Sql, Column[] Columns)
    {
        public static InsertCommand Of(IEntityType entity, ISqlGenerationHelper sql) =>
            entity.GetOrAddRuntimeAnnotationValue("Corrections:Insert", static arg =>
            {
                var (entity, sql) = arg;
                var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
                // Keys the database numbers itself are left out.
                var columns = entity.GetProperties()
                    .Where(p => !(p.IsPrimaryKey() && p.ValueGenerated == ValueGenerated.OnAdd && p.ClrType != typeof(Guid)))
                    .Select((p, i) => new Column(p, p.GetRelationalTypeMapping(), p.GetColumnName(table)!, $"@p{i}"))
                    .ToArray();
                var insert = $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} ({string.Join(", ", columns.Select(c => sql.DelimitIdentifier(c.Name)))}) VALUES ({string.Join(", ", columns.Select(c => c.ParameterName))})";
                return new InsertCommand(insert, columns);
            }, (entity, sql));
    }

    private sealed record Column(IProperty Property, RelationalTypeMapping Mapping, string Name, string ParameterName)
    {
        /// <summary>A parameter holding the row's value, converted as SaveChanges would (ticks for instants, text for enums).</summary>
        public DbParameter Parameter(DbCommand command, object row) =>
            Mapping.CreateParameter(command, ParameterName, Property.GetGetter().GetClrValue(row), Property.IsNullable);

        /// <summary>Binds the row's value, converted as SaveChanges would, to the statement's parameter at <paramref name="index"/> (from 1).</summary>
        public int Bind(sqlite3_stmt statement, int index, object row)
        {
            var value = Property.GetGetter().GetClrValue(row);
            if (value is not null && Mapping.Converter is { } converter)
                value = converter.ConvertToProvider(value);
            return value switch
            {
                null => raw.sqlite3_bind_null(statement, index),
                string text => raw.sqlite3_bind_text16(statement, index, text.AsSpan()),
                long number => raw.sqlite3_bind_int64(statement, index, number),
                int number => raw.sqlite3_bind_int(statement, index, number),
                Guid id => statement.BindGuid(index, id),
                byte[] bytes => raw.sqlite3_bind_blob(statement, index, bytes),
                Enum choice => raw.sqlite3_bind_int64(statement, index, Convert.ToInt64(choice, System.Globalization.CultureInfo.InvariantCulture)),
                _ => throw new NotSupportedException($"{Property.DeclaringType.DisplayName()}.{Property.Name}: values of type {value.GetType().Name} are not bound on SQLite"),
            };
        }
    }
}
