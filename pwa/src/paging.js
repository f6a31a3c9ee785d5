// How many more items a paged answer says there are after the `shown` ones (`received` of
// them on its page). An estimated total (`total_estimated`: a text search in very many
// cases) may be off either way, so it goes by the page: a full one means at least one more.
export function moreAfter(data, shown, received) {
  if (!received) return 0;
  const left = (data.total ?? shown) - shown;
  if (data.total_estimated) {
    return received >= data.per_page ? Math.max(left, data.per_page) : 0;
  }
  return Math.max(left, 0);
}
